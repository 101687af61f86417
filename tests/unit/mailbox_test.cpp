// The development mailbox reads back exactly what the file mailer wrote: recipient, a
// subject of any length and script (RFC 2047 words, folded), and both bodies.
#include "notify/mailbox.hpp"
#include "notify/mailer.hpp"

#include "security/random.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace {

notify::Email email(std::string subject, std::string text) {
    return {.from = "Starter <no-reply@localhost>",
            .to = "jane@example.com",
            .subject = std::move(subject),
            .text = std::move(text),
            .html = "<p>Hello <b>Jane</b> — 12345678</p>",
            .message_id = "<" + security::random_hex(8) + "@localhost>"};
}

}  // namespace

TEST(Mailbox, AMessageReadsBackAsTheMailerWroteIt) {
    for (std::string subject :
         {std::string("Your Starter verification code: 12345678"),
          std::string("Grüße aus Köln — 東京 ") + std::string(120, 'x') + " =?not-a-word?=", std::string("")}) {
        auto e = email(subject, "Line one\nLine two: 12345678\n" + std::string(300, 'y'));
        auto m = notify::parse_mail(notify::build_mime(e, 1'764'000'000'000));
        EXPECT_EQ(m.to, "jane@example.com");
        EXPECT_EQ(m.subject, subject);
        EXPECT_NE(m.date.find("2025"), std::string::npos) << m.date;
        EXPECT_EQ(m.text, e.text);
        EXPECT_EQ(m.html, e.html);
    }
}

TEST(Mailbox, TheOutboxIsListedNewestFirstAndOnlyItsOwnNamesAreRead) {
    const auto dir = std::filesystem::temp_directory_path() / ("mailbox-" + security::random_hex(4));
    notify::FileMailer mailer(dir);
    mailer.send(email("first", "1"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // names start with the time in ms
    mailer.send(email("second", "2"));
    auto all = notify::read_outbox(dir, 50);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].subject, "second");
    EXPECT_EQ(all[1].subject, "first");
    EXPECT_EQ(notify::read_outbox(dir, 1).size(), 1u);
    auto one = notify::read_outbox_message(dir, all[1].name);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->text, "1");
    std::ofstream(dir.parent_path() / "secret.eml") << "To: x\r\n\r\nsecret";
    for (const char* name : {"../secret", "..", "", "a/b", "missing"})
        EXPECT_FALSE(notify::read_outbox_message(dir, name)) << name;
    std::filesystem::remove_all(dir);
    std::filesystem::remove(dir.parent_path() / "secret.eml");
}
