#include "security/sealed.hpp"

#include "security/hash.hpp"
#include "security/jwt.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace security {
namespace {

constexpr std::size_t kNonce = 12, kTag = 16;
constexpr std::string_view kVersion = "v1";

std::optional<std::string> from_hex(std::string_view text) {
    if (text.size() % 2) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

using Cipher = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Cipher new_cipher() {
    Cipher ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    if (!ctx) throw std::runtime_error("AES-GCM: out of memory");
    return ctx;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

DataKey::DataKey(std::string key) : bytes_(std::move(key)) {
    // Derived one way from the key: names it without revealing it.
    id_ = sha256_hex("starter data key id:" + bytes_).substr(0, 8);
}

std::optional<DataKey> DataKey::parse(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    std::optional<std::string> raw;
    if (text.size() == 2 * kBytes) raw = from_hex(text);
    if (!raw) {
        std::string url(text);
        std::replace(url.begin(), url.end(), '+', '-');
        std::replace(url.begin(), url.end(), '/', '_');
        raw = base64url_decode(url);
    }
    if (!raw || raw->size() != kBytes) return std::nullopt;
    return DataKey(std::move(*raw));
}

DataKey DataKey::generate() {
    std::string key(kBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
        throw std::runtime_error("the random generator failed");
    return DataKey(std::move(key));
}

DataKey DataKey::load_or_create(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        auto key = generate();
        if (auto dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir, ec);
        const auto temp = path + ".tmp";
        {
            const mode_t old = ::umask(077);  // created 0600, never readable by others even briefly
            std::ofstream out(temp, std::ios::trunc);
            ::umask(old);
            out << key.hex() << "\n";
            if (!out.flush()) throw std::runtime_error(path + ": cannot write the data-encryption key file");
        }
        fs::permissions(temp, fs::perms::owner_read | fs::perms::owner_write, ec);
        // Two processes starting at once: the first rename wins and both read its key below.
        if (!fs::exists(path)) fs::rename(temp, path, ec);
        fs::remove(temp, ec);
    }
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot read the data-encryption key file (" + std::strerror(errno) + ")");
    std::stringstream text;
    text << in.rdbuf();
    auto key = parse(text.str());
    if (!key) throw std::runtime_error(path + ": does not hold a data-encryption key (64 hex digits)");
    return *key;
}

std::string DataKey::hex() const { return to_hex(bytes_); }

std::string DataKey::keyed_hash(std::string_view purpose, std::string_view value) const {
    const auto subkey = security::hmac_sha256(bytes_, "starter keyed hash:" + std::string(purpose));
    return to_hex(security::hmac_sha256(subkey, value));
}

std::string DataKey::seal(std::string_view plaintext, std::string_view context) const {
    std::string nonce(kNonce, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(kNonce)) != 1)
        throw std::runtime_error("the random generator failed");
    auto ctx = new_cipher();
    std::string out = nonce + std::string(plaintext.size(), '\0') + std::string(kTag, '\0');
    auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + kNonce;
    int len = 0;
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(bytes_), bytes(nonce)) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(context), static_cast<int>(context.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), cipher + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag), cipher + plaintext.size()) != 1)
        throw std::runtime_error("AES-GCM sealing failed");
    return std::string(kVersion) + "." + id_ + "." + base64url_encode(out);
}

std::string DataKey::key_id_of(std::string_view sealed) {
    if (!sealed.starts_with(std::string(kVersion) + ".")) return "";
    auto rest = sealed.substr(kVersion.size() + 1);
    auto dot = rest.find('.');
    return dot == std::string_view::npos ? "" : std::string(rest.substr(0, dot));
}

void DataKey::add_previous(DataKey previous) {
    if (previous.id_ != id_) previous_.push_back(std::move(previous));
}

std::string DataKey::open(std::string_view sealed, std::string_view context) const {
    const auto id = key_id_of(sealed);
    if (id.empty()) throw SealError("not a sealed value");
    if (id == id_) return open_here(sealed, context);
    for (const auto& key : previous_)
        if (key.id_ == id) return key.open_here(sealed, context);
    throw SealError("sealed under data-encryption key " + id + ", but the key in use is " + id_ +
                    " (DATA_ENCRYPTION_KEY changed? list the old key in DATA_ENCRYPTION_KEY_PREVIOUS)");
}

std::string DataKey::open_here(std::string_view sealed, std::string_view context) const {
    const auto id = key_id_of(sealed);
    auto raw = base64url_decode(sealed.substr(kVersion.size() + 1 + id.size() + 1));
    if (!raw || raw->size() < kNonce + kTag) throw SealError("malformed sealed value");
    const std::string_view all(*raw);
    const auto nonce = all.substr(0, kNonce);
    const auto cipher = all.substr(kNonce, all.size() - kNonce - kTag);
    std::string tag(all.substr(all.size() - kTag));
    std::string plain(cipher.size(), '\0');
    auto ctx = new_cipher();
    int len = 0;
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(bytes_), bytes(nonce)) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(context), static_cast<int>(context.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), out, &len, bytes(cipher), static_cast<int>(cipher.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag), tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), out + len, &len) != 1)
        throw SealError("the sealed value was altered or belongs elsewhere");
    return plain;
}

}  // namespace security
