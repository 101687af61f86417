#include "notify/mailer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string>
#include <vector>

TEST(Mime, MultipartAlternativeWithEncodedSubjectAndStableMessageId) {
    notify::Email e{"Starter <no-reply@example.com>",
                    "zoe@example.com",
                    "Código: 12345678",
                    "plain ✓",
                    "<p>html ✓</p>",
                    "<job-1@example.com>"};
    auto m = notify::build_mime(e, 1'795'000'000'000);
    EXPECT_NE(m.find("From: Starter <no-reply@example.com>\r\n"), std::string::npos);
    EXPECT_NE(m.find("To: zoe@example.com\r\n"), std::string::npos);
    EXPECT_NE(m.find("Subject: =?UTF-8?B?" + notify::base64("Código: 12345678") + "?=\r\n"), std::string::npos);
    EXPECT_NE(m.find("Message-ID: <job-1@example.com>\r\n"), std::string::npos);
    EXPECT_NE(m.find("Date: "), std::string::npos);
    EXPECT_NE(m.find("Content-Type: multipart/alternative;"), std::string::npos);
    EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
    EXPECT_NE(m.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
    EXPECT_NE(m.find(notify::base64("plain ✓")), std::string::npos);
}

TEST(Mime, HeaderValuesCannotInjectHeaders) {
    notify::Email e{"a@example.com", "zoe@example.com\r\nBcc: victim@example.com", "hi\r\nBcc: x@example.com", "t", "h", "<1@x>"};
    auto m = notify::build_mime(e, 0);
    EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos) << m;
}

TEST(Mime, AddressOfMailbox) {
    EXPECT_EQ(notify::address_of("Starter <no-reply@example.com>"), "no-reply@example.com");
    EXPECT_EQ(notify::address_of("no-reply@example.com"), "no-reply@example.com");
}

namespace {

std::vector<std::string> header_lines(const std::string& mime, const std::string& name) {
    std::vector<std::string> out;
    auto at = mime.find("\r\n" + name + ": ");
    if (mime.starts_with(name + ": "))
        at = 0;
    else if (at != std::string::npos)
        at += 2;
    while (at != std::string::npos) {
        auto end = mime.find("\r\n", at);
        out.push_back(mime.substr(at, end - at));
        at = end + 2;
        if (at >= mime.size() || (mime[at] != ' ' && mime[at] != '\t')) break;  // no continuation line
    }
    return out;
}

// A header's value as an RFC 2047 reader sees it: lines unfolded, encoded-words decoded,
// whitespace between two adjacent encoded-words dropped (§6.2), other text kept.
std::string read_header(const std::vector<std::string>& lines, std::size_t* longest_word) {
    std::string value;
    for (const auto& l : lines) value += value.empty() ? l.substr(l.find(": ") + 2) : l;  // unfolding removes only CRLF
    std::string out, pending_space;
    bool after_word = false;
    *longest_word = 0;
    for (std::size_t i = 0; i < value.size();) {
        if (value.compare(i, 10, "=?UTF-8?B?") == 0) {
            auto end = value.find("?=", i + 10);
            *longest_word = std::max(*longest_word, end + 2 - i);
            auto b64 = value.substr(i + 10, end - i - 10);
            std::string raw(b64.size(), '\0');
            int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                    reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
            raw.resize(static_cast<std::size_t>(n) - (b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0));
            if (!after_word) out += pending_space;
            out += raw;
            pending_space.clear();
            after_word = true;
            i = end + 2;
        } else if (value[i] == ' ' || value[i] == '\t') {
            pending_space += value[i++];
        } else {
            out += pending_space;
            pending_space.clear();
            after_word = false;
            out += value[i++];
        }
    }
    return out + (after_word ? "" : pending_space);
}

}  // namespace

TEST(Mime, LongNonAsciiHeadersAreFoldedIntoShortEncodedWordsOfWholeCharacters) {
    // One encoded-word of any length used to be written, over 75 characters for long
    // subjects (RFC 2047 §2), and a non-ASCII display name went out raw.
    const std::string subject = "Ihr Bestätigungscode für das Kundenkonto bei Größenwahn & Söhne — Überprüfung: 12345678 ✓";
    const std::string name = "Équipe Sécurité de Größenwahn & Söhne — Überprüfung des Kontos";
    notify::Email e{name + " <no-reply@example.com>", "zoe@example.com", subject, "t", "h", "<1@example.com>"};
    auto m = notify::build_mime(e, 0);
    for (const char* h : {"Subject", "From"}) {
        auto lines = header_lines(m, h);
        ASSERT_GT(lines.size(), 1u) << h << " should be folded:\n" << m;
        for (const auto& l : lines) EXPECT_LE(l.size(), 76u) << l;
        std::size_t longest = 0;
        auto read = read_header(lines, &longest);
        if (std::string(h) == "From") read = read.substr(0, read.rfind(" <"));
        EXPECT_EQ(read, std::string(h) == "Subject" ? subject : name);
        EXPECT_LE(longest, 75u);
    }
    EXPECT_NE(header_lines(m, "From").back().find("<no-reply@example.com>"), std::string::npos);
}

TEST(Mime, AsciiDisplayNamesWithSpecialsAreQuoted) {
    notify::Email e{"Acme, Inc. <no-reply@example.com>", "zoe@example.com", "Hi", "t", "h", "<1@example.com>"};
    EXPECT_NE(notify::build_mime(e, 0).find("From: \"Acme, Inc.\" <no-reply@example.com>\r\n"), std::string::npos);
    notify::Email bare{"no-reply@example.com", "zoe@example.com", "Hi", "t", "h", "<1@example.com>"};
    EXPECT_NE(notify::build_mime(bare, 0).find("From: no-reply@example.com\r\n"), std::string::npos);
}
