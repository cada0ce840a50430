#pragma once
// The system's words for a Win32 error code (or an SSPI/HRESULT status FormatMessage knows), as
// UTF-8 on one line, so every error AuthWatch reports from a Win32 call reads the same way.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace authwatch::platform::win {

// FormatMessageW's text (FORMAT_MESSAGE_FROM_SYSTEM) on one line, without the trailing period;
// "" when the system has no text for the code.
std::string system_message(unsigned long code);

// The text with the number: "Access denied (error 5)", or "(error 5)" when the system has no
// text. Callers that branch on the code compare Error::os (call_failed), never this text.
std::string error_text(unsigned long code);

// "<call> failed: <error_text>", for a Win32 call that failed with `code`.
std::string failed_call(std::string_view call, unsigned long code);

// The Error for a Win32 call that failed with `code`: Errc::os_call_failed, the code in
// Error::os (std::system_category: compare it with std::error_code(ERROR_..., std::system_category())),
// failed_call's text as the message.
Error call_failed(std::string_view call, unsigned long code);

}  // namespace authwatch::platform::win
