// The Windows layer (platform/win): UTF-8 <-> UTF-16 that keeps bad input visible instead of
// failing, the system's error text with its number, and EvtRender as UTF-8. Under Wine for the
// first two; EvtRender needs wevtapi, which Wine 8 does not implement (tests/win/README.md).
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "platform/win/event_log_api.hpp"
#include "platform/win/wide_text.hpp"
#include "platform/win/win_error.hpp"
#include "wine.hpp"

#include <windows.h>
#include <winevt.h>

using namespace authwatch::platform::win;
using authwatch::Errc;
using authwatch::Error;

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

}  // namespace

TEST(WideText, NonAsciiTextRoundTrips) {
  // é (2 bytes), € (3 bytes), U+1D11E (4 bytes: a surrogate pair in UTF-16), a Cyrillic host name.
  const std::string utf8 = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \xD1\x85\xD0\xBE\xD1\x81\xD1\x82";
  const std::wstring wide = widen(utf8);
  EXPECT_EQ(wide, L"caf\u00E9 \u20AC \xD834\xDD1E \u0445\u043E\u0441\u0442");
  EXPECT_EQ(narrow(wide), utf8);
}

TEST(WideText, EmptyNullAndEmbeddedNulAreKept) {
  EXPECT_EQ(widen(""), L"");
  EXPECT_EQ(narrow(std::wstring_view()), "");
  EXPECT_EQ(narrow(static_cast<const wchar_t*>(nullptr)), "") << "a NULL string from an API is empty text, not a crash";
  EXPECT_EQ(narrow(L"dc1.contoso.com"), "dc1.contoso.com") << "NUL-terminated";
  const std::wstring with_nul = widen(std::string_view("a\0b", 3));
  ASSERT_EQ(with_nul.size(), 3u);
  EXPECT_EQ(with_nul[1], L'\0');
  EXPECT_EQ(narrow(with_nul), std::string("a\0b", 3));
}

TEST(WideText, IllFormedUtf8BecomesReplacementCharacters) {
  // A stray byte that can start nothing, and a lone continuation byte: one U+FFFD each, the
  // text around them kept.
  EXPECT_EQ(widen("a\xFFz"), L"a\xFFFDz");
  EXPECT_EQ(widen("a\x80z"), L"a\xFFFDz");
  // A sequence cut short at the end, and an overlong encoding of '/': marked, never dropped whole,
  // never an exception. (How many U+FFFD a cut sequence gives is the system's choice.)
  for (std::string_view bad : {std::string_view("ab\xE2\x82"), std::string_view("ab\xC0\xAF")}) {
    const std::wstring wide = widen(bad);
    ASSERT_GE(wide.size(), 3u) << "input of " << bad.size() << " bytes";
    EXPECT_EQ(wide.substr(0, 2), L"ab");
    EXPECT_EQ(wide.find_first_not_of(L'\xFFFD', 2), std::wstring::npos) << "only U+FFFD after the valid part";
  }
}

TEST(WideText, UnpairedSurrogatesBecomeReplacementCharacters) {
  EXPECT_EQ(narrow(std::wstring(L"a\xD800z")), "a" + std::string(kReplacement) + "z") << "a high surrogate without its pair";
  EXPECT_EQ(narrow(std::wstring(L"a\xDC00z")), "a" + std::string(kReplacement) + "z") << "a low surrogate alone";
  EXPECT_EQ(narrow(std::wstring(L"ab\xD83D")), "ab" + std::string(kReplacement)) << "a pair cut at the end";
}

TEST(WinError, TheSystemTextComesWithTheNumber) {
  const std::string words = system_message(ERROR_FILE_NOT_FOUND);
  ASSERT_FALSE(words.empty()) << "the system has a text for error 2";
  EXPECT_EQ(words.find_first_of("\r\n"), std::string::npos) << "one line: " << words;
  EXPECT_NE(words.back(), '.') << words;
  EXPECT_NE(words.back(), ' ') << words;
  EXPECT_EQ(error_text(ERROR_FILE_NOT_FOUND), words + " (error 2)");
  EXPECT_EQ(failed_call("CreateFileW", ERROR_ACCESS_DENIED), "CreateFileW failed: " + system_message(ERROR_ACCESS_DENIED) + " (error 5)");
}

// windows_service.cpp tells "not started by the SCM" from other failures by Error::os.
TEST(WinError, AFailedCallKeepsItsNumberAsTheOsCode) {
  const Error e = call_failed("StartServiceCtrlDispatcherW", ERROR_FAILED_SERVICE_CONTROLLER_CONNECT);
  EXPECT_EQ(e.code, Errc::os_call_failed);
  EXPECT_EQ(e.os, std::error_code(ERROR_FAILED_SERVICE_CONTROLLER_CONNECT, std::system_category()));
  EXPECT_NE(e.os, std::error_code(ERROR_ACCESS_DENIED, std::system_category()));
  EXPECT_EQ(e.message, failed_call("StartServiceCtrlDispatcherW", ERROR_FAILED_SERVICE_CONTROLLER_CONNECT));
}

TEST(WinError, ACodeWithoutTextStillHasItsNumber) {
  constexpr unsigned long kNoSuchCode = 0x2000FFFFul;  // customer bit set: no system text exists
  EXPECT_EQ(system_message(kNoSuchCode), "");
  EXPECT_EQ(error_text(kNoSuchCode), "(error " + std::to_string(kNoSuchCode) + ")");
}

TEST(EventLogApi, RendersABookmarkAsUtf8AndNamesTheFailure) {
  if (authwatch::test::running_under_wine())
    GTEST_SKIP() << "Wine 8 has no wevtapi (EvtCreateBookmark and EvtRender abort the process): runs on a Windows host";
  EvtHandle bookmark(EvtCreateBookmark(nullptr));
  ASSERT_TRUE(bookmark) << error_text(GetLastError());
  auto xml = render_utf8(bookmark.get(), EvtRendered::Bookmark);
  ASSERT_TRUE(xml.ok()) << xml.error();
  EXPECT_TRUE(xml.value().starts_with("<BookmarkList")) << xml.value();
  EXPECT_TRUE(xml.value().ends_with("</BookmarkList>")) << "no trailing NUL: " << xml.value();
  auto none = render_utf8(nullptr, EvtRendered::EventXml);
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.error().starts_with("EvtRender failed: ")) << none.error();
  EXPECT_NE(none.error().find("(error "), std::string::npos) << none.error();
}
