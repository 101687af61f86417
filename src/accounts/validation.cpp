#include "accounts/validation.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <cctype>

namespace accounts {
namespace {

bool atext(unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+/=?^_`{|}~-").find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_local(std::string_view local) {
    if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
    char prev = 0;
    for (char c : local) {
        if (c == '.' && prev == '.') return false;
        if (c != '.' && !atext(static_cast<unsigned char>(c))) return false;
        prev = c;
    }
    return true;
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    std::size_t labels = 0;
    std::string_view last;
    while (!domain.empty()) {
        auto dot = domain.find('.');
        auto label = domain.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (unsigned char c : label)
            if (!std::isalnum(c) && c != '-') return false;
        ++labels;
        last = label;
        if (dot == std::string_view::npos) break;
        domain.remove_prefix(dot + 1);
        if (domain.empty()) return false;  // trailing dot
    }
    return labels >= 2 && last.size() >= 2 &&
           std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isalpha(c); });
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view raw) {
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front()))) raw.remove_prefix(1);
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
    if (raw.empty() || raw.size() > 250) return std::nullopt;
    auto at = raw.rfind('@');
    if (at == std::string_view::npos || raw.find('@') != at) return std::nullopt;
    auto local = raw.substr(0, at);
    auto domain = raw.substr(at + 1);
    if (!valid_local(local) || !valid_domain(domain)) return std::nullopt;
    return std::string(local) + "@" + common::ascii_lower(domain);
}

bool valid_username(std::string_view u) {
    if (u.size() < 2 || u.size() > 32) return false;
    bool all_digits = true;
    for (unsigned char c : u) {
        if (!(std::isalnum(c) || c == '_' || c == '.' || c == '-')) return false;
        if (!std::isdigit(c)) all_digits = false;
    }
    return !all_digits;
}

std::string mask_email(std::string_view email) {
    auto at = email.find('@');
    if (at == std::string_view::npos || at == 0) return "***";
    return std::string(email.substr(0, 1)) + std::string(std::min<std::size_t>(at - 1, 6) + 1, '*') +
           std::string(email.substr(at));
}

}  // namespace accounts
