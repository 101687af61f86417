#pragma once
// The file outbox read back, for the development mailbox (/dev/mail): the .eml files the
// FileMailer wrote, newest first, decoded (headers unfolded, encoded words and base64 parts
// decoded). It reads only what our own mailer writes; anything else shows as undecodable.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace notify {

struct StoredMail {
    std::string name;  // the file name, without .eml: the message's id in /dev/mail/<name>
    std::string to, subject, date;
    std::string text, html;
};

// The newest `limit` messages of `dir`.
std::vector<StoredMail> read_outbox(const std::filesystem::path& dir, std::size_t limit);
// One message by name; nullopt for a name that is not a message of `dir`.
std::optional<StoredMail> read_outbox_message(const std::filesystem::path& dir, const std::string& name);
// Parses one message as FileMailer writes it (tests and fuzzing call it directly).
StoredMail parse_mail(const std::string& raw);

}  // namespace notify
