#pragma once
// Secrets the server must read back (TOTP seeds) are stored sealed: AES-256-GCM under the
// data-encryption key, bound to where they belong (`context`, e.g. "totp:<user id>") so a
// sealed value moved to another row does not open. A database dump alone reveals nothing.
//
// A sealed value is text: "v1.<key id>.<base64url(nonce | ciphertext | tag)>". The key id
// (8 hex digits derived from the key) tells a wrong key apart from tampering.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace security {

// A sealed value that does not open: made under another key, altered, or not one at all.
// The message never contains the secret or the key.
struct SealError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class DataKey {
public:
    static constexpr std::size_t kBytes = 32;

    // 64 hex digits, or base64 / base64url of 32 bytes. nullopt otherwise.
    static std::optional<DataKey> parse(std::string_view text);
    // A fresh random key.
    static DataKey generate();
    // The key kept in `path`; when the file does not exist, a new key is written there first
    // (mode 0600, the directory created). Throws std::runtime_error naming the path when
    // the file cannot be read or written or does not hold a key.
    static DataKey load_or_create(const std::string& path);

    // The key as 64 hex digits (for the key file and DATA_ENCRYPTION_KEY).
    std::string hex() const;
    const std::string& id() const { return id_; }

    // Keys of before a rotation (DATA_ENCRYPTION_KEY_PREVIOUS): open() still opens what they
    // sealed, until `starter keys reseal` has moved every value to this key.
    void add_previous(DataKey previous);
    const std::vector<DataKey>& previous() const { return previous_; }

    // Always under this key.
    std::string seal(std::string_view plaintext, std::string_view context) const;
    // Under this key or a previous one, by the key id the value names. Throws SealError.
    std::string open(std::string_view sealed, std::string_view context) const;
    // A keyed hash (HMAC-SHA256 under a key derived from this one for `purpose`), as hex:
    // short secrets such as the emailed 8-digit codes, which a plain hash would give away
    // to whoever holds a database dump.
    std::string keyed_hash(std::string_view purpose, std::string_view value) const;
    // The key id a sealed value names ("" when it names none).
    static std::string key_id_of(std::string_view sealed);

private:
    explicit DataKey(std::string bytes);
    std::string open_here(std::string_view sealed, std::string_view context) const;
    std::string bytes_;
    std::string id_;
    std::vector<DataKey> previous_;
};

}  // namespace security
