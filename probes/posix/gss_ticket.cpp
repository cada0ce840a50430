// The service-ticket attempt on POSIX: MIT krb5 for the KDC exchange, GSSAPI for the token.
//
// Credentials come from the configured (or default) ccache, or a client keytab. Their TGTs are
// copied into a private MEMORY ccache, so
//  - the KDC is asked afresh every time: a service ticket cached before the SPN was removed or
//    the key changed would hide exactly the fault this probe looks for;
//  - nothing is written back into the user's (or the service's) cache.
// The AS and TGS exchanges run through libkrb5's step APIs (krb5_init_creds_step,
// krb5_tkt_creds_step): the same code krb5_get_credentials — and so gss_init_sec_context — uses,
// but with the messages carried by the probe under its deadline instead of libkrb5's
// sendto_kdc, whose retries take ~22 s against two silent KDCs (measured with kvno(1)) and which
// krb5.conf cannot shorten in krb5 1.20, Debian 12's (it has no request_timeout setting). Those
// 22 s would also hold a thread of the engine's pool, which the engine joins before it returns.
// gss_init_sec_context then finds the fresh ticket in the MEMORY cache and builds the AP-REQ
// token without any network.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <profile.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "probes/posix/krb5_status.hpp"
#include "probes/service_ticket.hpp"

namespace authwatch::probes {
namespace {

std::string error_text(krb5_context ctx, krb5_error_code code) {
  if (!ctx) return "Kerberos error " + std::to_string(code);
  const char* text = krb5_get_error_message(ctx, code);
  std::string out = text ? text : "Kerberos error " + std::to_string(code);
  krb5_free_error_message(ctx, text);
  return out;
}

std::string unparse(krb5_context ctx, krb5_const_principal p) {
  char* name = nullptr;
  if (!p || krb5_unparse_name(ctx, p, &name) != 0) return "";
  std::string out = name;
  krb5_free_unparsed_name(ctx, name);
  return out;
}

// "GSS major text; mechanism text" for a failed GSSAPI call.
std::string gss_text(OM_uint32 major, OM_uint32 minor) {
  std::string out;
  auto append = [&out](OM_uint32 code, int type) {
    OM_uint32 more = 0, ignored = 0;
    do {
      gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
      if (GSS_ERROR(gss_display_status(&ignored, code, type, gss_mech_krb5, &more, &text))) break;
      if (text.length) out += (out.empty() ? "" : "; ") + std::string(static_cast<char*>(text.value), text.length);
      gss_release_buffer(&ignored, &text);
    } while (more != 0);
  };
  // "Unspecified GSS failure. Minor code may provide more information" says nothing the minor
  // code's own text does not.
  if (GSS_ROUTINE_ERROR(major) != GSS_S_FAILURE || minor == 0) append(major, GSS_C_GSS_CODE);
  if (minor != 0) append(minor, GSS_C_MECH_CODE);
  return out;
}

bool is_tgt(krb5_context ctx, const krb5_creds& c) {
  if (krb5_is_config_principal(ctx, c.server)) return false;
  if (c.server->length != 2) return false;
  const krb5_data& first = c.server->data[0];
  return first.length == 6 && std::memcmp(first.data, "krbtgt", 6) == 0;
}

krb5_data as_data(std::span<const uint8_t> bytes) {
  krb5_data d{};
  d.magic = KV5M_DATA;
  d.length = static_cast<unsigned>(bytes.size());
  d.data = bytes.empty() ? nullptr : reinterpret_cast<char*>(const_cast<uint8_t*>(bytes.data()));
  return d;
}

class MitTicketSession final : public TicketSession {
 public:
  explicit MitTicketSession(TicketRequest request) : req_(std::move(request)) { open(); }
  ~MitTicketSession() override;

  std::optional<KdcMessage> next(std::span<const uint8_t> reply) override;
  std::vector<std::string> configured_kdcs(const std::string& realm) override;
  void kdc_unreachable(std::string why) override {
    phase_ = Phase::Failed;
    result_.outcome = TicketOutcome::KdcUnreachable;
    result_.message = std::move(why);
  }
  TicketResult finish() override;

 private:
  enum class Phase { Failed, As, Tgs, Done };

  void open();
  bool seed_from_ccache(krb5_ccache source, std::string& why);
  bool start_as(std::string& why);
  void fail(krb5_error_code code, const std::string& context);
  std::optional<KdcMessage> step_as(std::span<const uint8_t> reply);
  std::optional<KdcMessage> step_tgs(std::span<const uint8_t> reply);
  std::optional<int> keytab_kvno(krb5_keytab kt);
  void accept(const gss_buffer_desc& token, gss_ctx_id_t& initiator, gss_name_t target, gss_cred_id_t init_cred);

  TicketRequest req_;
  Phase phase_ = Phase::Failed;
  TicketResult result_;
  krb5_context ctx_ = nullptr;
  krb5_ccache mem_ = nullptr;
  std::string mem_name_;
  krb5_principal client_ = nullptr;
  krb5_principal server_ = nullptr;
  krb5_keytab client_kt_ = nullptr;
  krb5_get_init_creds_opt* as_opt_ = nullptr;
  krb5_init_creds_context as_ = nullptr;
  krb5_tkt_creds_context tgs_ = nullptr;
  std::optional<int> ticket_kvno_;
  std::string last_realm_;  // the realm of the KDC the last message went to
};

MitTicketSession::~MitTicketSession() {
  if (!ctx_) return;
  if (tgs_) krb5_tkt_creds_free(ctx_, tgs_);
  if (as_) krb5_init_creds_free(ctx_, as_);
  if (as_opt_) krb5_get_init_creds_opt_free(ctx_, as_opt_);
  if (client_kt_) krb5_kt_close(ctx_, client_kt_);
  if (mem_) krb5_cc_destroy(ctx_, mem_);
  krb5_free_principal(ctx_, client_);
  krb5_free_principal(ctx_, server_);
  krb5_free_context(ctx_);
}

void MitTicketSession::fail(krb5_error_code code, const std::string& context) {
  phase_ = Phase::Failed;
  // The reply that failed came from a KDC of the realm the last message went to: another realm's
  // KDC answers the TGS request made with the referral TGT (a cross-realm request).
  std::string client_realm;
  if (client_) client_realm.assign(client_->realm.data, client_->realm.length);
  const bool foreign = !last_realm_.empty() && !client_realm.empty() && last_realm_ != client_realm;
  const auto status = classify_krb5_status(code, foreign ? KerberosSide::ForeignKdc : KerberosSide::Kdc);
  result_.outcome = status.outcome;
  result_.krb_error_code = status.krb_error_code;
  result_.gss_minor = code;
  result_.message = context + ": " + error_text(ctx_, code);
}

void MitTicketSession::open() {
  if (krb5_error_code e = krb5_init_context(&ctx_); e != 0) {
    ctx_ = nullptr;
    result_.message = "cannot initialise Kerberos (krb5.conf): " + error_text(nullptr, e);
    return;
  }
  if (krb5_error_code e = krb5_cc_new_unique(ctx_, "MEMORY", nullptr, &mem_); e != 0) {
    mem_ = nullptr;
    return fail(e, "cannot create a private memory credential cache");
  }
  char* full = nullptr;
  if (krb5_cc_get_full_name(ctx_, mem_, &full) == 0) {
    mem_name_ = full;
    krb5_free_string(ctx_, full);
  }
  // The ccache first (configured, else the default unless a client keytab was configured
  // instead), then a client keytab: what gss_acquire_cred would use, in the same order.
  std::string why;
  bool have_tgt = false;
  if (!req_.ccache.empty() || req_.client_keytab.empty()) {
    krb5_ccache source = nullptr;
    krb5_error_code e = req_.ccache.empty() ? krb5_cc_default(ctx_, &source) : krb5_cc_resolve(ctx_, req_.ccache.c_str(), &source);
    if (e != 0) {
      why = "credential cache '" + req_.ccache + "': " + error_text(ctx_, e);
    } else {
      have_tgt = seed_from_ccache(source, why);
      krb5_cc_close(ctx_, source);
    }
  }
  if (!have_tgt && !start_as(why)) {
    phase_ = Phase::Failed;
    result_.outcome = TicketOutcome::NoCredentials;
    result_.message = "no Kerberos credentials: " + why;
    return;
  }
  // The service principal, exact (no DNS canonicalisation): Exchange asks for SMTPSVC/<fqdn>.
  std::string realm = req_.realm;
  if (realm.empty()) realm.assign(client_->realm.data, client_->realm.length);
  const std::string name = req_.service + "@" + realm;
  if (krb5_error_code e = krb5_parse_name(ctx_, name.c_str(), &server_); e != 0) {
    server_ = nullptr;
    phase_ = Phase::Failed;
    result_.message = "'" + name + "' is not a Kerberos principal name: " + error_text(ctx_, e);
    return;
  }
  result_.client = unparse(ctx_, client_);
  if (have_tgt) phase_ = Phase::Tgs;
}

// Copies the cache's unexpired TGTs into the memory cache. False (with `why`) when it has none.
bool MitTicketSession::seed_from_ccache(krb5_ccache source, std::string& why) {
  const std::string source_name = krb5_cc_get_type(ctx_, source) + std::string(":") + krb5_cc_get_name(ctx_, source);
  krb5_principal principal = nullptr;
  if (krb5_error_code e = krb5_cc_get_principal(ctx_, source, &principal); e != 0) {
    why = source_name + ": " + error_text(ctx_, e);
    return false;
  }
  krb5_cc_cursor cursor = nullptr;
  if (krb5_error_code e = krb5_cc_start_seq_get(ctx_, source, &cursor); e != 0) {
    krb5_free_principal(ctx_, principal);
    why = source_name + ": " + error_text(ctx_, e);
    return false;
  }
  const auto now = static_cast<krb5_timestamp>(std::time(nullptr));
  int copied = 0, expired = 0;
  bool initialised = false;
  krb5_creds creds;
  while (krb5_cc_next_cred(ctx_, source, &cursor, &creds) == 0) {
    if (is_tgt(ctx_, creds)) {
      if (creds.times.endtime <= now) {
        ++expired;
      } else {
        if (!initialised) initialised = krb5_cc_initialize(ctx_, mem_, principal) == 0;
        if (initialised && krb5_cc_store_cred(ctx_, mem_, &creds) == 0) ++copied;
      }
    }
    krb5_free_cred_contents(ctx_, &creds);
  }
  krb5_cc_end_seq_get(ctx_, source, &cursor);
  if (copied == 0) {
    why = source_name + " holds no valid TGT for " + unparse(ctx_, principal) + (expired ? " (it expired)" : "");
    krb5_free_principal(ctx_, principal);
    return false;
  }
  client_ = principal;
  return true;
}

// Initial credentials from a client keytab (configured, else KRB5_CLIENT_KTNAME / the default
// client keytab when it has keys), as the keytab's first principal — MIT's own choice too.
bool MitTicketSession::start_as(std::string& why) {
  krb5_error_code e = req_.client_keytab.empty() ? krb5_kt_client_default(ctx_, &client_kt_)
                                                 : krb5_kt_resolve(ctx_, req_.client_keytab.c_str(), &client_kt_);
  const std::string what = req_.client_keytab.empty() ? "the default client keytab" : "client keytab '" + req_.client_keytab + "'";
  auto give_up = [&](const std::string& reason) {
    if (!why.empty()) why += "; ";
    why += reason;
    if (client_kt_) krb5_kt_close(ctx_, client_kt_);
    client_kt_ = nullptr;
    return false;
  };
  if (e != 0) return give_up(what + ": " + error_text(ctx_, e));
  if (krb5_kt_have_content(ctx_, client_kt_) != 0) return give_up(what + " has no keys");
  krb5_kt_cursor cursor;
  if ((e = krb5_kt_start_seq_get(ctx_, client_kt_, &cursor)) != 0) return give_up(what + ": " + error_text(ctx_, e));
  krb5_keytab_entry entry;
  e = krb5_kt_next_entry(ctx_, client_kt_, &entry, &cursor);
  if (e == 0) {
    krb5_copy_principal(ctx_, entry.principal, &client_);
    krb5_free_keytab_entry_contents(ctx_, &entry);
  }
  krb5_kt_end_seq_get(ctx_, client_kt_, &cursor);
  if (e != 0 || !client_) return give_up(what + ": " + error_text(ctx_, e));
  if ((e = krb5_get_init_creds_opt_alloc(ctx_, &as_opt_)) != 0 ||
      (e = krb5_get_init_creds_opt_set_out_ccache(ctx_, as_opt_, mem_)) != 0 ||
      (e = krb5_init_creds_init(ctx_, client_, nullptr, nullptr, 0, as_opt_, &as_)) != 0 ||
      (e = krb5_init_creds_set_keytab(ctx_, as_, client_kt_)) != 0) {
    return give_up(what + ": " + error_text(ctx_, e));
  }
  phase_ = Phase::As;
  return true;
}

std::optional<KdcMessage> MitTicketSession::next(std::span<const uint8_t> reply) {
  if (phase_ == Phase::As) return step_as(reply);
  if (phase_ == Phase::Tgs) return step_tgs(reply);
  return std::nullopt;
}

std::optional<KdcMessage> MitTicketSession::step_as(std::span<const uint8_t> reply) {
  krb5_data in = as_data(reply), out{}, realm{};
  unsigned flags = 0;
  krb5_error_code e = krb5_init_creds_step(ctx_, as_, &in, &out, &realm, &flags);
  if (e != 0) {
    fail(e, "initial credentials for " + result_.client + " from the client keytab");
    return std::nullopt;
  }
  if (flags & KRB5_INIT_CREDS_STEP_FLAG_CONTINUE) {
    KdcMessage m{std::string(realm.data, realm.length), std::vector<uint8_t>(out.data, out.data + out.length)};
    last_realm_ = m.realm;
    krb5_free_data_contents(ctx_, &out);
    krb5_free_data_contents(ctx_, &realm);
    return m;
  }
  // The TGT is in the memory cache (out_ccache): on to the service ticket.
  phase_ = Phase::Tgs;
  return step_tgs({});
}

std::optional<KdcMessage> MitTicketSession::step_tgs(std::span<const uint8_t> reply) {
  krb5_error_code e = 0;
  if (!tgs_) {
    krb5_creds wanted{};
    wanted.client = client_;
    wanted.server = server_;
    if ((e = krb5_tkt_creds_init(ctx_, mem_, &wanted, 0, &tgs_)) != 0) {
      tgs_ = nullptr;
      fail(e, "service ticket request");
      return std::nullopt;
    }
  }
  krb5_data in = as_data(reply), out{}, realm{};
  unsigned flags = 0;
  if ((e = krb5_tkt_creds_step(ctx_, tgs_, &in, &out, &realm, &flags)) != 0) {
    fail(e, "service ticket for " + unparse(ctx_, server_));
    return std::nullopt;
  }
  if (flags & KRB5_TKT_CREDS_STEP_FLAG_CONTINUE) {
    KdcMessage m{std::string(realm.data, realm.length), std::vector<uint8_t>(out.data, out.data + out.length)};
    last_realm_ = m.realm;
    krb5_free_data_contents(ctx_, &out);
    krb5_free_data_contents(ctx_, &realm);
    return m;
  }
  // Done: the ticket is stored in the memory cache. Its key version, for the stale-key check.
  krb5_creds creds{};
  if (krb5_tkt_creds_get_creds(ctx_, tgs_, &creds) == 0) {
    krb5_ticket* ticket = nullptr;
    if (krb5_decode_ticket(&creds.ticket, &ticket) == 0) {
      ticket_kvno_ = static_cast<int>(ticket->enc_part.kvno);
      krb5_free_ticket(ctx_, ticket);
    }
    krb5_free_cred_contents(ctx_, &creds);
  }
  phase_ = Phase::Done;
  return std::nullopt;
}

std::vector<std::string> MitTicketSession::configured_kdcs(const std::string& realm) {
  std::vector<std::string> out;
  if (!ctx_) return out;
  profile_t profile = nullptr;
  if (krb5_get_profile(ctx_, &profile) != 0) return out;
  const char* names[] = {"realms", realm.c_str(), "kdc", nullptr};
  char** values = nullptr;
  if (profile_get_values(profile, names, &values) == 0) {
    for (char** v = values; *v; ++v) out.emplace_back(*v);
    profile_free_list(values);
  }
  profile_release(profile);
  return out;
}

// The newest key version the keytab holds for the service principal, or — as samba-tool and
// `ktpass` export a computer account's keys under its own name (EXCH01$) — for any principal.
std::optional<int> MitTicketSession::keytab_kvno(krb5_keytab kt) {
  krb5_kt_cursor cursor;
  if (krb5_kt_start_seq_get(ctx_, kt, &cursor) != 0) return std::nullopt;
  std::optional<int> for_service, any;
  krb5_keytab_entry entry;
  while (krb5_kt_next_entry(ctx_, kt, &entry, &cursor) == 0) {
    const int kvno = static_cast<int>(entry.vno);
    any = std::max(any.value_or(kvno), kvno);
    if (krb5_principal_compare(ctx_, entry.principal, server_)) for_service = std::max(for_service.value_or(kvno), kvno);
    krb5_free_keytab_entry_contents(ctx_, &entry);
  }
  krb5_kt_end_seq_get(ctx_, kt, &cursor);
  return for_service ? for_service : any;
}

void MitTicketSession::accept(const gss_buffer_desc& token, gss_ctx_id_t& initiator, gss_name_t target, gss_cred_id_t init_cred) {
  AcceptResult& acc = result_.accept.emplace();
  krb5_keytab kt = nullptr;
  if (krb5_error_code e = krb5_kt_resolve(ctx_, req_.peer_keytab.c_str(), &kt); e != 0) {
    acc.error = "peer keytab '" + req_.peer_keytab + "': " + error_text(ctx_, e);
    return;
  }
  acc.keytab_kvno = keytab_kvno(kt);
  krb5_kt_close(ctx_, kt);
  if (!acc.keytab_kvno) {
    acc.error = "peer keytab '" + req_.peer_keytab + "' is missing, unreadable or empty";
    return;
  }
  // No replay cache: a probe's one-off AP-REQ needs none, and the default one writes to /var/tmp.
  gss_key_value_element_desc elements[] = {{"keytab", req_.peer_keytab.c_str()}, {"rcache", "none:"}};
  gss_key_value_set_desc store{2, elements};
  OM_uint32 minor = 0, ignored = 0;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_OID_set_desc mechs{1, gss_mech_krb5};
  OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &store, &cred, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    acc.error = "acquiring acceptor credentials from '" + req_.peer_keytab + "': " + gss_text(major, minor);
    return;
  }
  gss_ctx_id_t acceptor = GSS_C_NO_CONTEXT;
  gss_buffer_desc in = token, reply = GSS_C_EMPTY_BUFFER;
  major = gss_accept_sec_context(&minor, &acceptor, cred, &in, GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr, &reply, nullptr, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    acc.error = gss_text(major, minor);
    acc.gss_minor = static_cast<int32_t>(minor);
    acc.outcome = classify_krb5_status(static_cast<krb5_error_code>(minor), KerberosSide::Acceptor).outcome;
    // A ticket whose key version the keytab does not have cannot be decrypted, whatever words
    // the library found for it.
    if (acc.outcome == TicketOutcome::Other && ticket_kvno_ && *ticket_kvno_ != *acc.keytab_kvno) acc.outcome = TicketOutcome::StaleKey;
  } else {
    // Mutual authentication: the initiator checks the acceptor's AP-REP.
    gss_buffer_desc done = GSS_C_EMPTY_BUFFER;
    OM_uint32 init_minor = 0;
    OM_uint32 init_major = reply.length == 0 ? GSS_S_COMPLETE
                                             : gss_init_sec_context(&init_minor, init_cred, &initiator, target, gss_mech_krb5, GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0,
                                                                    GSS_C_NO_CHANNEL_BINDINGS, &reply, nullptr, &done, nullptr, nullptr);
    gss_release_buffer(&ignored, &done);
    if (GSS_ERROR(init_major)) {
      acc.error = "mutual authentication failed: " + gss_text(init_major, init_minor);
    } else {
      acc.ok = true;
      acc.outcome = TicketOutcome::Ok;
      result_.gss_major = init_major;  // the initiator's context is now complete
      result_.gss_minor = static_cast<int32_t>(init_minor);
    }
  }
  gss_release_buffer(&ignored, &reply);
  gss_delete_sec_context(&ignored, &acceptor, GSS_C_NO_BUFFER);
  gss_release_cred(&ignored, &cred);
}

TicketResult MitTicketSession::finish() {
  if (phase_ != Phase::Done) return result_;
  result_.kvno = ticket_kvno_;
  // The initiator exactly as a GSSAPI transport: credentials bound to the cache that now holds
  // the fresh ticket, the exact service principal, the Kerberos mechanism.
  gss_key_value_element_desc elements[] = {{"ccache", mem_name_.c_str()}};
  gss_key_value_set_desc store{1, elements};
  gss_OID_set_desc mechs{1, gss_mech_krb5};
  OM_uint32 minor = 0, ignored = 0;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_name_t target = GSS_C_NO_NAME;
  gss_ctx_id_t initiator = GSS_C_NO_CONTEXT;
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
  const std::string target_text = unparse(ctx_, server_);
  gss_buffer_desc name_buf{target_text.size(), const_cast<char*>(target_text.data())};
  OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store, &cred, nullptr, nullptr);
  if (!GSS_ERROR(major)) major = gss_import_name(&minor, &name_buf, GSS_KRB5_NT_PRINCIPAL_NAME, &target);
  if (!GSS_ERROR(major)) {
    major = gss_init_sec_context(&minor, cred, &initiator, target, gss_mech_krb5, GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, nullptr, &token, nullptr, nullptr);
  }
  result_.gss_major = major;
  result_.gss_minor = static_cast<int32_t>(minor);
  if (GSS_ERROR(major)) {
    const auto status = classify_krb5_status(static_cast<krb5_error_code>(minor), KerberosSide::Kdc);
    result_.outcome = status.outcome;
    result_.krb_error_code = status.krb_error_code;
    result_.message = "gss_init_sec_context for " + target_text + ": " + gss_text(major, minor);
  } else {
    result_.outcome = TicketOutcome::Ok;
    result_.message = "";
    if (!req_.peer_keytab.empty()) {
      accept(token, initiator, target, cred);
      if (!result_.accept->ok) result_.outcome = result_.accept->outcome;
    }
  }
  gss_release_buffer(&ignored, &token);
  gss_delete_sec_context(&ignored, &initiator, GSS_C_NO_BUFFER);
  gss_release_name(&ignored, &target);
  gss_release_cred(&ignored, &cred);
  return result_;
}

}  // namespace

std::unique_ptr<TicketSession> open_ticket_session(const TicketRequest& request) { return std::make_unique<MitTicketSession>(request); }

}  // namespace authwatch::probes
