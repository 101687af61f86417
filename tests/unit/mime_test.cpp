#include "notify/mailer.hpp"

#include <gtest/gtest.h>

TEST(Mime, MultipartAlternativeWithEncodedSubjectAndStableMessageId) {
    notify::Email e{"Starter <no-reply@example.com>", "zoe@example.com", "Código: 12345678", "plain ✓", "<p>html ✓</p>",
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
