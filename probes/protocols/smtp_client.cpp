#include "probes/protocols/smtp_client.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/result.hpp"
#include "core/text.hpp"

namespace authwatch::probes {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// How long QUIT may wait for its 221: the EHLO answer is already in hand, so a peer that does not
// answer QUIT must not stretch the probe to its full deadline.
constexpr std::chrono::milliseconds kQuitWait{500};

// Reads CRLF-terminated lines from the socket, never holding more than one line's worth of
// unterminated bytes and never reading more than `max_total` bytes in all.
class LineReader {
 public:
  LineReader(tcp::socket& socket, size_t max_total) : socket_(socket), max_total_(max_total) {}

  asio::awaitable<Result<std::string>> next_line() {
    for (;;) {
      auto eol = buffer_.find('\n');
      if (eol != std::string::npos) {
        if (eol > kSmtpMaxLineBytes) co_return too_long();
        std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        co_return line;
      }
      if (buffer_.size() > kSmtpMaxLineBytes) co_return too_long();
      if (total_ >= max_total_) co_return Error{"oversized reply: more than " + std::to_string(max_total_) + " bytes"};
      size_t want = std::min(chunk_.size(), max_total_ - total_);
      boost::system::error_code ec;
      size_t n = co_await socket_.async_read_some(asio::buffer(chunk_.data(), want), asio::redirect_error(asio::use_awaitable, ec));
      total_ += n;
      buffer_.append(chunk_.data(), n);
      if (ec == asio::error::eof) co_return Error{"connection closed by the peer"};
      if (ec) co_return Error{ec.message()};
    }
  }

  size_t bytes_read() const { return total_; }

 private:
  Error too_long() const {
    return Error{"oversized reply: a line longer than " + std::to_string(kSmtpMaxLineBytes) + " bytes without CRLF"};
  }

  tcp::socket& socket_;
  size_t max_total_;
  size_t total_ = 0;
  std::string buffer_;
  std::array<char, 4096> chunk_{};
};

asio::awaitable<Result<SmtpReply>> read_reply(LineReader& reader) {
  SmtpReply reply;
  for (;;) {
    auto line = co_await reader.next_line();
    if (!line.ok()) co_return Error{line.error()};
    if (auto garbage = add_smtp_reply_line(reply, line.value())) co_return Error{*std::move(garbage)};
    if (reply.complete) co_return reply;
  }
}

// The EHLO argument goes on the wire: only domain / address-literal characters, so a strange host
// name cannot inject a second command.
std::string ehlo_domain(std::string_view name) {
  std::string out;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == ':') out += c;
  return out.empty() ? "localhost" : out;
}

bool positive(const SmtpReply& reply) { return reply.code / 100 == 2; }

asio::awaitable<Result<std::vector<tcp::endpoint>>> resolve(ProbeContext& ctx, const std::string& host, uint16_t port,
                                                            SteadyTime deadline) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) co_return std::vector<tcp::endpoint>{tcp::endpoint(address, port)};
  // getaddrinfo cannot be cancelled, so it runs on the pool and the probe moves on at the deadline.
  // A named std::function: GCC 12 mishandles a temporary one inside the co_await expression.
  std::function<Result<std::vector<tcp::endpoint>>()> lookup = [host, port]() -> Result<std::vector<tcp::endpoint>> {
    asio::io_context local;
    tcp::resolver resolver(local);
    boost::system::error_code error;
    auto results = resolver.resolve(host, std::to_string(port), error);
    if (error) return Error{"cannot resolve " + host + ": " + error.message()};
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    if (endpoints.empty()) return Error{"cannot resolve " + host + ": no addresses"};
    return endpoints;
  };
  auto resolved = co_await run_blocking(ctx.blocking, deadline, std::move(lookup));
  if (!resolved) co_return Error{"timed out while resolving " + host};
  co_return std::move(*resolved);
}

// The conversation proper; `fail` texts name the step that went wrong.
class Conversation {
 public:
  Conversation(ProbeContext& ctx, SteadyTime deadline) : ctx_(ctx), deadline_(deadline), started_(Clock::now()) {}

  asio::awaitable<EhloResult> run(const std::string& host, uint16_t port, const std::string& ehlo_name) {
    auto endpoints = co_await resolve(ctx_, host, port, deadline_);
    if (!endpoints.ok()) co_return fail(endpoints.error());

    if (Clock::now() >= deadline_) co_return timed_out("resolving " + host, 0);
    auto executor = co_await asio::this_coro::executor;
    tcp::socket socket(executor);
    Deadline guard(executor, deadline_);  // declared after the socket it closes
    guard.guard(socket);

    boost::system::error_code ec;
    co_await asio::async_connect(socket, endpoints.value(), asio::redirect_error(asio::use_awaitable, ec));
    if (guard.expired()) co_return timed_out("connecting", 0);
    if (ec == asio::error::connection_refused) co_return fail("connection refused");
    if (ec) co_return fail("connect failed: " + ec.message());

    LineReader reader(socket, ctx_.settings.max_reply_bytes);
    auto banner = co_await read_reply(reader);
    if (!banner.ok()) co_return read_failed(guard, "reading the banner", reader, banner.error());
    result_.banner = banner.value().joined;
    if (!positive(banner.value())) {
      co_await send(socket, "QUIT\r\n");  // RFC 5321 §3.1: after a 554 greeting the client should QUIT
      co_return fail("banner rejected: " + banner.value().joined);
    }

    if (!co_await send(socket, "EHLO " + ehlo_name + "\r\n")) {
      if (guard.expired()) co_return timed_out("sending EHLO", reader.bytes_read());
      co_return fail("sending EHLO failed: the peer closed the connection");
    }
    auto ehlo = co_await read_reply(reader);
    if (!ehlo.ok()) co_return read_failed(guard, "reading the EHLO reply", reader, ehlo.error());
    if (!positive(ehlo.value())) co_return fail("EHLO rejected: " + ehlo.value().joined);

    read_ehlo_capabilities(ehlo.value().texts, result_);
    result_.ok = true;
    result_.seconds = elapsed();
    co_await quit(socket, reader);
    co_return result_;
  }

 private:
  // Polite close; its outcome does not change the result.
  asio::awaitable<void> quit(tcp::socket& socket, LineReader& reader) {
    auto executor = co_await asio::this_coro::executor;
    Deadline quit_guard(executor, std::min(deadline_, Clock::now() + kQuitWait));
    quit_guard.guard(socket);
    if (co_await send(socket, "QUIT\r\n")) (void)co_await read_reply(reader);
  }

  static asio::awaitable<bool> send(tcp::socket& socket, std::string command) {
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(command), asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

  EhloResult fail(std::string error) {
    result_.ok = false;
    result_.error = std::move(error);
    result_.seconds = elapsed();
    return result_;
  }

  EhloResult timed_out(const std::string& step, size_t bytes) {
    auto budget = std::chrono::round<std::chrono::milliseconds>(deadline_ - started_).count();
    return fail("timed out after " + std::to_string(budget) + " ms while " + step + " (" + std::to_string(bytes) +
                " bytes received)");
  }

  EhloResult read_failed(const Deadline& guard, const std::string& step, const LineReader& reader, const std::string& error) {
    if (guard.expired()) return timed_out(step, reader.bytes_read());
    return fail(error + " while " + step);
  }

  ProbeContext& ctx_;
  SteadyTime deadline_;
  Clock::time_point started_;
  EhloResult result_;
};

}  // namespace

std::optional<SmtpReplyLine> parse_smtp_reply_line(std::string_view line) {
  if (line.size() < 3) return std::nullopt;
  auto digit = [&](size_t i, char low, char high) { return line[i] >= low && line[i] <= high; };
  if (!digit(0, '2', '5') || !digit(1, '0', '5') || !digit(2, '0', '9')) return std::nullopt;
  SmtpReplyLine out;
  out.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() == 3) return out;
  if (line[3] != ' ' && line[3] != '-') return std::nullopt;
  out.last = line[3] == ' ';
  out.text = std::string(line.substr(4));
  return out;
}

std::optional<std::string> add_smtp_reply_line(SmtpReply& reply, std::string_view line) {
  auto parsed = parse_smtp_reply_line(line);
  if (!parsed) return "garbage: not an SMTP reply line: \"" + printable_ascii(line.substr(0, 80)) + "\"";
  if (reply.code != 0 && parsed->code != reply.code)
    return "garbage: reply lines with different codes " + std::to_string(reply.code) + " and " + std::to_string(parsed->code);
  reply.code = parsed->code;
  std::string text = printable_ascii(parsed->text);
  if (!reply.joined.empty()) reply.joined += '\n';
  reply.joined += std::to_string(parsed->code) + (parsed->last ? " " : "-") + text;
  reply.texts.push_back(std::move(text));
  reply.complete = parsed->last;
  return std::nullopt;
}

std::string printable_ascii(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
    }
  }
  return out;
}

void read_ehlo_capabilities(const std::vector<std::string>& reply_texts, EhloResult& out) {
  auto words_of = [](std::string_view text) {
    std::vector<std::string_view> words;
    text = trim(text);
    while (!text.empty()) {
      auto end = text.find(' ');
      words.push_back(text.substr(0, end));
      if (end == std::string_view::npos) break;
      text = trim(text.substr(end));
    }
    return words;
  };
  if (reply_texts.empty()) return;
  auto greeting = words_of(reply_texts.front());
  if (!greeting.empty()) out.server_name = std::string(greeting.front());
  for (size_t i = 1; i < reply_texts.size(); ++i) {
    auto words = words_of(reply_texts[i]);
    if (words.empty()) continue;
    out.capabilities.emplace_back(trim(reply_texts[i]));
    auto keyword = words.front();
    if (iequals(keyword, "STARTTLS")) out.starttls = true;
    if (iequals(keyword, "X-ANONYMOUSTLS")) out.x_anonymoustls = true;
    if (!iequals(keyword, "X-EXPS")) continue;
    out.x_exps = true;
    for (size_t w = 1; w < words.size(); ++w) {
      if (iequals(words[w], "GSSAPI")) out.x_exps_gssapi = true;
      if (iequals(words[w], "EXCHANGEAUTH")) out.x_exps_exchangeauth = true;
    }
  }
}

boost::asio::awaitable<EhloResult> smtp_ehlo(ProbeContext& ctx, std::string host, uint16_t port, std::string ehlo_name,
                                             SteadyTime deadline) {
  Conversation conversation(ctx, deadline);
  try {
    co_return co_await conversation.run(host, port, ehlo_domain(ehlo_name));
  } catch (const std::exception& e) {
    EhloResult failed;
    failed.error = std::string("internal error: ") + e.what();
    co_return failed;
  }
}

std::string local_host_name() {
  boost::system::error_code ec;
  std::string name = boost::asio::ip::host_name(ec);
  return ec || name.empty() ? "localhost" : name;
}

}  // namespace authwatch::probes
