#include "http/outbound.hpp"

#include "common/libcurl.hpp"
#include "common/url.hpp"

#include "http/message.hpp"

#include <cstdio>
#include <memory>

namespace http {
namespace {

// The URL without its query and fragment, for error messages.
std::string_view without_query(std::string_view url) { return url.substr(0, url.find_first_of("?#")); }

// Where the body goes: the response, or a file; at most `limit` bytes either way.
struct Sink {
    std::string* body;
    std::FILE* file;
    std::size_t limit;
    std::size_t written = 0;
    bool overflow = false;
    bool write_failed = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* sink = static_cast<Sink*>(user);
    if (sink->written + size * n > sink->limit) {
        sink->overflow = true;
        return 0;  // aborts the transfer
    }
    if (sink->file) {
        if (std::fwrite(data, 1, size * n, sink->file) != size * n) {
            sink->write_failed = true;
            return 0;
        }
    } else {
        sink->body->append(data, size * n);
    }
    sink->written += size * n;
    return size * n;
}

std::size_t read_header(char* data, std::size_t size, std::size_t n, void* user) {
    std::string_view line(data, size * n);
    constexpr std::string_view name = "cache-control:";
    if (line.size() > name.size()) {
        bool match = true;
        for (std::size_t i = 0; i < name.size() && match; ++i)
            match = std::tolower(static_cast<unsigned char>(line[i])) == name[i];
        if (match) {
            auto value = line.substr(name.size());
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
            while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
                value.remove_suffix(1);
            *static_cast<std::string*>(user) = std::string(value);
        }
    }
    return size * n;
}

}  // namespace

OutboundResponse fetch(const OutboundRequest& request) {
    const auto& curl = common::libcurl();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> owned(nullptr, curl.easy_cleanup);
    CURL* c = nullptr;
    if (request.keep_alive) {
        // A reset handle keeps its connection cache; every option is set again below.
        thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> kept(curl.easy_init(), curl.easy_cleanup);
        c = kept.get();
        if (c) curl.easy_reset(c);
    } else {
        owned.reset(curl.easy_init());
        c = owned.get();
    }
    if (!c) throw OutboundError("curl_easy_init failed");
    OutboundResponse response;
    std::unique_ptr<std::FILE, decltype(&std::fclose)> file(nullptr, std::fclose);
    if (!request.save_to.empty()) {
        file.reset(std::fopen(request.save_to.c_str(), "wb"));
        if (!file) throw OutboundError("cannot write " + request.save_to);
    }
    Sink sink{&response.body, file.get(), request.max_response_bytes};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) headers = curl.slist_append(headers, (name + ": ").append(value).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(headers, curl.slist_free_all);

    curl.easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (request.basic_auth) {
        curl.easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl.easy_setopt(c, CURLOPT_USERNAME, request.basic_auth->first.c_str());
        curl.easy_setopt(c, CURLOPT_PASSWORD, request.basic_auth->second.c_str());
    }
    curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    const long timeout_ms = static_cast<long>(request.timeout.count());
    curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl.easy_setopt(c, CURLOPT_USERAGENT, "starter");
    curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
    curl.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header);
    curl.easy_setopt(c, CURLOPT_HEADERDATA, &response.cache_control);
    if (request.method == "POST") {
        curl.easy_setopt(c, CURLOPT_POST, 1L);
        curl.easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
        curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    } else if (request.method != "GET") {
        curl.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    CURLcode rc = curl.easy_perform(c);
    const std::string where = request.method + " " + std::string(without_query(request.url));
    if (sink.overflow)
        throw OutboundError(where + ": answer larger than " + std::to_string(request.max_response_bytes) + " bytes");
    if (sink.write_failed) throw OutboundError(where + ": cannot write " + request.save_to);
    if (file && std::fflush(file.get()) != 0) throw OutboundError(where + ": cannot write " + request.save_to);
    if (rc != CURLE_OK) {
        // libcurl's error buffer can quote the URL; keep only the cause.
        throw OutboundError(where + ": " + curl.easy_strerror(rc));
    }
    long status = 0;
    curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    if (char* location = nullptr; curl.easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
        response.redirect_url = location;
    return response;
}

std::string form_encode(const Fields& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        out += common::url_encode(name);
        out += '=';
        out += common::url_encode(value);
    }
    return out;
}

Fields form_decode(std::string_view text) {
    Fields out;
    while (!text.empty()) {
        auto amp = text.find('&');
        auto pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto name = url_decode(pair.substr(0, eq));
        auto value = url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (name && value) out.emplace_back(std::move(*name), std::move(*value));
    }
    return out;
}

}  // namespace http
