#include "geo/updater.hpp"

#include "common/shared_library.hpp"
#include "common/sonames.hpp"
#include "http/outbound.hpp"
#include "observe/log.hpp"
#include "security/hash.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace geo {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxArchiveBytes = std::size_t{1} << 30;   // GeoLite2-City is ~40 MB packed
constexpr std::size_t kMaxDatabaseBytes = std::size_t{2} << 30;  // ~70 MB unpacked

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_atomically(const fs::path& p, const std::string& text) {
    const auto tmp = fs::path(p.string() + ".tmp");
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) throw Failure("cannot write " + tmp.string());
    }
    fs::rename(tmp, p);
}

std::string sha256_of_file(const fs::path& p) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw Failure("sha256 unavailable");
    std::ifstream in(p, std::ios::binary);
    std::array<char, 1 << 16> buffer{};
    while (in) {
        in.read(buffer.data(), buffer.size());
        if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
    return security::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

// "<64 hex digits>  GeoLite2-City_20261201.tar.gz" -> the digits, lower case.
std::string parse_digest(const std::string& body) {
    std::string digest;
    for (char c : body) {
        if (std::isspace(static_cast<unsigned char>(c))) break;
        digest += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw Failure("the checksum answer is not a SHA-256 digest");
    return digest;
}

// libarchive, loaded on its first use (common/shared_library.hpp): only an update needs it.
struct Libarchive {
    common::SharedLibrary library{common::sonames::kArchive};
    decltype(&archive_read_new) read_new = STARTER_FUNCTION(library, archive_read_new);
    decltype(&archive_read_support_filter_gzip) read_support_filter_gzip =
        STARTER_FUNCTION(library, archive_read_support_filter_gzip);
    decltype(&archive_read_support_format_tar) read_support_format_tar =
        STARTER_FUNCTION(library, archive_read_support_format_tar);
    decltype(&archive_read_open_filename) read_open_filename = STARTER_FUNCTION(library, archive_read_open_filename);
    decltype(&archive_read_next_header) read_next_header = STARTER_FUNCTION(library, archive_read_next_header);
    decltype(&archive_read_data) read_data = STARTER_FUNCTION(library, archive_read_data);
    decltype(&archive_read_free) read_free = STARTER_FUNCTION(library, archive_read_free);
    decltype(&archive_error_string) error_string = STARTER_FUNCTION(library, archive_error_string);
    decltype(&archive_entry_pathname) entry_pathname = STARTER_FUNCTION(library, archive_entry_pathname);
    decltype(&archive_entry_filetype) entry_filetype = STARTER_FUNCTION(library, archive_entry_filetype);
};

const Libarchive& libarchive() {
    static const Libarchive loaded;
    return loaded;
}

// Writes the archive's one *.mmdb member to `out`.
void extract_database(const fs::path& archive_path, const fs::path& out) {
    const auto& ar = libarchive();
    std::unique_ptr<archive, decltype(&archive_read_free)> a(ar.read_new(), ar.read_free);
    ar.read_support_filter_gzip(a.get());
    ar.read_support_format_tar(a.get());
    if (ar.read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK)
        throw Failure(std::string("not a tar.gz archive: ") + ar.error_string(a.get()));
    archive_entry* entry = nullptr;
    bool found = false;
    int rc = ARCHIVE_OK;
    while ((rc = ar.read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        const std::string name = ar.entry_pathname(entry) ? ar.entry_pathname(entry) : "";
        if (ar.entry_filetype(entry) != AE_IFREG || !name.ends_with(".mmdb")) continue;
        if (found) throw Failure("the archive holds more than one .mmdb file");
        found = true;
        std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(out.c_str(), "wb"), std::fclose);
        if (!file) throw Failure("cannot write " + out.string());
        std::array<char, 1 << 16> buffer{};
        std::size_t total = 0;
        for (;;) {
            const la_ssize_t n = ar.read_data(a.get(), buffer.data(), buffer.size());
            if (n < 0) throw Failure(std::string("the archive is damaged: ") + ar.error_string(a.get()));
            if (n == 0) break;
            total += static_cast<std::size_t>(n);
            if (total > kMaxDatabaseBytes) throw Failure("the database in the archive is larger than 2 GiB");
            if (std::fwrite(buffer.data(), 1, static_cast<std::size_t>(n), file.get()) != static_cast<std::size_t>(n))
                throw Failure("cannot write " + out.string());
        }
        if (std::fflush(file.get()) != 0) throw Failure("cannot write " + out.string());
    }
    if (rc != ARCHIVE_EOF) throw Failure(std::string("the archive is damaged: ") + ar.error_string(a.get()));
    if (!found) throw Failure("the archive holds no .mmdb file");
}

// One answer of the download service. MaxMind answers the archive with a redirect to its
// storage: that is followed here, once, without the credentials, and never from https to http.
http::OutboundResponse ask(const UpdateOptions& o, const std::string& suffix, const std::string& save_to = {}) {
    http::OutboundRequest request;
    request.url = o.download_url + "?suffix=" + suffix;
    request.basic_auth = std::pair{o.account_id, o.license_key};
    request.timeout = o.timeout;
    request.max_response_bytes = save_to.empty() ? 4096 : kMaxArchiveBytes;
    request.save_to = save_to;
    auto response = http::fetch(request);
    if (response.status >= 300 && response.status < 400 && !response.redirect_url.empty()) {
        if (request.url.starts_with("https://") && !response.redirect_url.starts_with("https://"))
            throw Failure("the download service redirected to a URL that is not https");
        request.url = response.redirect_url;
        request.basic_auth.reset();
        response = http::fetch(request);
    }
    if (response.status == 401 || response.status == 403)
        throw Failure("MaxMind refused the account id or licence key (HTTP " + std::to_string(response.status) +
                      "): check GEOIP_ACCOUNT_ID and GEOIP_LICENSE_KEY");
    if (response.status != 200) throw Failure("the download service answered HTTP " + std::to_string(response.status));
    return response;
}

}  // namespace

GeoIpUpdater::GeoIpUpdater(GeoIp& geoip, UpdateOptions options) : geoip_(geoip), options_(std::move(options)) {}

GeoIpUpdater::~GeoIpUpdater() { stop(); }

GeoIpUpdater::Result GeoIpUpdater::check_now() {
    std::lock_guard check(check_mutex_);
    const fs::path target(geoip_.path());
    const fs::path installed_digest(target.string() + ".sha256");
    const fs::path download(target.string() + ".download"), unpacked(target.string() + ".new");
    auto remove_temporaries = [&] {
        std::error_code ec;
        fs::remove(download, ec);
        fs::remove(unpacked, ec);
    };
    try {
        if (target.has_parent_path()) fs::create_directories(target.parent_path());
        const auto digest = parse_digest(ask(options_, "tar.gz.sha256").body);
        std::error_code ec;
        if (fs::exists(target, ec) && geoip_.is_open() && read_text(installed_digest) == digest) return {Outcome::current, {}};

        ask(options_, "tar.gz", download.string());
        const auto actual = sha256_of_file(download);
        if (actual != digest)
            throw Failure("the archive's SHA-256 is " + actual + ", not the " + digest + " the service announced");
        extract_database(download, unpacked);
        const auto info = GeoIp::inspect(unpacked.string());
        fs::rename(unpacked, target);  // atomic: a reader sees the old file or the new one
        write_atomically(installed_digest, digest);
        remove_temporaries();
        if (!geoip_.reopen()) throw Failure("the new database was installed but did not open");
        observe::info("geo.geoip_updated", {{"path", target.string()},
                                            {"database_type", info.database_type},
                                            {"build_epoch", static_cast<std::int64_t>(info.build_epoch)},
                                            {"sha256", digest}});
        return {Outcome::updated, {}};
    } catch (const std::exception& e) {
        remove_temporaries();
        observe::warn("geo.geoip_update_failed",
                      {{"path", target.string()}, {"error", e.what()}, {"effect", "the current database stays in use"}});
        return {Outcome::failed, e.what()};
    }
}

void GeoIpUpdater::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void GeoIpUpdater::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void GeoIpUpdater::run() {
    for (;;) {
        const auto result = check_now();
        const auto wait =
            result.outcome == Outcome::failed ? std::min(options_.retry_after_failure, options_.interval) : options_.interval;
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
}

}  // namespace geo
