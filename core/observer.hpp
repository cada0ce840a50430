#pragma once
// Who saw it (issue 14): the server whose evidence a signal is, and so the side of a link an
// incident is about. Two servers' evidence in one database (offline triage of EX1's and EX2's
// exports), or two servers' databases read together, must keep EX1's outbound failures apart from
// EX2's. Pure: names and addresses as the records give them; nothing is looked up.
#include <string>
#include <string_view>

namespace authwatch {

// The key incidents and links keep observers apart by: the lower-case short host name when a name
// is known ("ex1.contoso.com", "EX1" and "ex1" are one server: Exchange server names are unique in
// an organisation), else the address, else "" (evidence that does not say whose it is).
std::string observer_key(std::string_view name, std::string_view address = {});

// Of two names for the same server, the one to show: the FQDN over the short name; `current`
// when `seen` is empty or no better.
std::string better_observer_name(std::string_view current, std::string_view seen);

// The server part of a Get-Queue Identity ("EX1\\12" -> "EX1"); "" when it has none ("12").
std::string server_of_queue_identity(std::string_view identity);

// The server part of a receive connector's name in a protocol log ("EX2\\Default EX2" -> "EX2");
// "" for a name without one (send connectors: "Intra-Organization SMTP Send Connector").
std::string server_of_connector_id(std::string_view connector_id);

// What a server calls itself in a line it sent: the host of its greeting ("220 ex2.contoso.com
// Microsoft ESMTP ..."), of its EHLO reply ("250-ex2.contoso.com Hello [10.0.0.1]") or of its own
// EHLO command ("EHLO ex1.contoso.com"). "" when the line names no host name.
std::string host_in_own_smtp_line(std::string_view line);

}  // namespace authwatch
