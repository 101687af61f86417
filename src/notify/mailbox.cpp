#include "notify/mailbox.hpp"

#include "common/text.hpp"
#include "security/jwt.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace notify {
namespace {

namespace fs = std::filesystem;

// Standard base64 (line-wrapped, padded) through the base64url decoder.
std::string decode_base64(std::string_view in) {
    std::string url;
    for (char c : in) {
        if (c == '+')
            url += '-';
        else if (c == '/')
            url += '_';
        else if (std::isalnum(static_cast<unsigned char>(c)))
            url += c;
    }
    return security::base64url_decode(url).value_or("");
}

// "=?UTF-8?B?...?=" words (our mailer's only encoding) decoded; other text kept.
std::string decode_words(const std::string& value) {
    std::string out;
    std::size_t i = 0;
    while (i < value.size()) {
        auto start = value.find("=?", i);
        if (start == std::string::npos) {
            out += value.substr(i);
            break;
        }
        auto q1 = value.find('?', start + 2);
        auto q2 = q1 == std::string::npos ? q1 : value.find('?', q1 + 1);
        auto end = q2 == std::string::npos ? q2 : value.find("?=", q2 + 1);
        if (end == std::string::npos) {
            out += value.substr(i);
            break;
        }
        auto between = value.substr(i, start - i);
        // White space between two encoded words is not part of the text (RFC 2047 6.2).
        if (out.empty() || between.find_first_not_of(" \t") != std::string::npos) out += between;
        const auto encoding = std::toupper(static_cast<unsigned char>(value[q1 + 1]));
        const auto payload = value.substr(q2 + 1, end - q2 - 1);
        out += encoding == 'B' ? decode_base64(payload) : payload;
        i = end + 2;
    }
    return out;
}

// Headers (names in lower case, folded lines joined) and the body after the blank line.
std::pair<std::vector<std::pair<std::string, std::string>>, std::string> split(const std::string& raw) {
    std::vector<std::pair<std::string, std::string>> headers;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        auto eol = raw.find('\n', pos);
        if (eol == std::string::npos) eol = raw.size();
        std::string line = raw.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) return {headers, pos < raw.size() ? raw.substr(pos) : std::string()};
        if ((line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
            headers.back().second += line;
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t") == std::string::npos ? value.size() : value.find_first_not_of(" \t"));
        headers.emplace_back(common::ascii_lower(line.substr(0, colon)), value);
    }
    return {headers, {}};
}

std::string header(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& name) {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

StoredMail parse_mail(const std::string& raw) {
    StoredMail m;
    auto [headers, body] = split(raw);
    m.to = header(headers, "to");
    m.subject = decode_words(header(headers, "subject"));
    m.date = header(headers, "date");
    const auto type = header(headers, "content-type");
    auto b = type.find("boundary=\"");
    if (b == std::string::npos) {
        m.text = body;
        return m;
    }
    auto boundary = "--" + type.substr(b + 10, type.find('"', b + 10) - b - 10);
    std::size_t at = body.find(boundary);
    while (at != std::string::npos) {
        auto next = body.find(boundary, at + boundary.size());
        if (next == std::string::npos) break;
        auto part = body.substr(at + boundary.size(), next - at - boundary.size());
        auto [part_headers, content] = split(
            part.substr(part.find_first_not_of("\r\n") == std::string::npos ? part.size() : part.find_first_not_of("\r\n")));
        const auto part_type = common::ascii_lower(header(part_headers, "content-type"));
        const auto encoding = common::ascii_lower(header(part_headers, "content-transfer-encoding"));
        auto decoded = encoding == "base64" ? decode_base64(content) : content;
        if (part_type.starts_with("text/plain"))
            m.text = decoded;
        else if (part_type.starts_with("text/html"))
            m.html = decoded;
        at = next;
    }
    return m;
}

std::vector<StoredMail> read_outbox(const fs::path& dir, std::size_t limit) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".eml") files.push_back(e.path());
    // Names start with the write time in milliseconds: newest first is name order, reversed.
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.filename() > b.filename(); });
    if (files.size() > limit) files.resize(limit);
    std::vector<StoredMail> out;
    for (const auto& f : files) {
        auto m = parse_mail(read_file(f));
        m.name = f.stem().string();
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<StoredMail> read_outbox_message(const fs::path& dir, const std::string& name) {
    // Only names FileMailer makes: digits, letters, '-' and '_' (no path can be smuggled in).
    if (name.empty() || name.size() > 200 || !std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        }))
        return std::nullopt;
    const auto path = dir / (name + ".eml");
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    auto m = parse_mail(read_file(path));
    m.name = name;
    return m;
}

}  // namespace notify
