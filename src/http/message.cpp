#include "http/message.hpp"

#include "common/url.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace http {

std::string_view Request::header(std::string_view name) const {
    auto it = raw.find(name);
    return it == raw.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

std::string Request::header_list(std::string_view name) const {
    std::string out;
    auto [first, last] = raw.equal_range(name);
    for (auto it = first; it != last; ++it) {
        if (!out.empty()) out += ", ";
        out.append(it->value().data(), it->value().size());
    }
    return out;
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return {};
}

std::optional<std::string> url_decode(std::string_view in) {
    std::string spaced(in);
    std::replace(spaced.begin(), spaced.end(), '+', ' ');  // before decoding: "%2B" is a '+'
    return common::percent_decode(spaced);
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view q = query;
    while (!q.empty()) {
        auto amp = q.find('&');
        auto pair = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        auto eq = pair.find('=');
        auto key = url_decode(pair.substr(0, eq));
        if (key && *key == name) return url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    }
    return std::nullopt;
}

void Request::bind_target() {
    method = raw.method_string();
    std::string_view target = raw.target();
    std::string_view default_path;  // "/" for an absolute-form target with no path
    // Absolute form (RFC 9112 §3.2.2), as sent to proxies: route on its path and query.
    for (std::string_view scheme : {"http://", "https://"})
        if (target.size() > scheme.size() && boost::beast::iequals(target.substr(0, scheme.size()), scheme)) {
            auto rest = target.substr(scheme.size());
            auto start = rest.find_first_of("/?");
            target = start == std::string_view::npos ? std::string_view() : rest.substr(start);
            default_path = "/";
            break;
        }
    auto qmark = target.find('?');
    path = target.substr(0, qmark);
    if (path.empty() && !default_path.empty()) path = default_path;
    query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
}

// RFC 9112 §6.1, §6.3 and §3.2: why a parsed request head cannot be framed or routed
// safely, or nullopt. A Transfer-Encoding other than exactly `chunked` (Beast would frame
// `chunked, identity` or `xchunked` by Content-Length, where a proxy in front may read it
// as chunked: a desync) and any Transfer-Encoding in HTTP/1.0 are refused, as are a
// missing Host in HTTP/1.1 and more than one Host.
std::optional<std::string> framing_problem(const RawRequest& head) {
    std::size_t hosts = 0;
    std::vector<std::string_view> codings;
    bool has_te = false;
    for (const auto& f : head) {
        if (f.name() == boost::beast::http::field::host) ++hosts;
        if (f.name() != boost::beast::http::field::transfer_encoding) continue;
        has_te = true;
        std::string_view v(f.value().data(), f.value().size());
        while (true) {
            auto comma = v.find(',');
            auto item = v.substr(0, comma);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (!item.empty()) codings.push_back(item);
            if (comma == std::string_view::npos) break;
            v.remove_prefix(comma + 1);
        }
    }
    if (has_te && head.version() < 11) return "Transfer-Encoding is not allowed in HTTP/1.0";
    if (has_te && (codings.size() != 1 || !boost::beast::iequals(codings.front(), "chunked")))
        return "The only Transfer-Encoding accepted is chunked";
    if (hosts > 1) return "More than one Host header";
    if (hosts == 0 && head.version() >= 11) return "An HTTP/1.1 request needs a Host header";
    return std::nullopt;
}

Response json(int status, const boost::json::value& body) {
    Response res;
    res.result(static_cast<unsigned>(status));
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = boost::json::serialize(body);
    return res;
}

Response no_content() {
    Response res;
    res.result(boost::beast::http::status::no_content);
    return res;
}

Response page(std::string body, std::string_view type, std::string_view csp, std::string_view cache) {
    Response res;
    res.result(boost::beast::http::status::ok);
    res.set(boost::beast::http::field::content_type, type);
    res.set(boost::beast::http::field::cache_control, cache);
    res.set("Content-Security-Policy", csp);
    res.body() = std::move(body);
    return res;
}

std::string_view content_type_of(std::string_view name) {
    if (name.ends_with(".html")) return "text/html; charset=utf-8";
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".png")) return "image/png";
    return "application/octet-stream";
}

}  // namespace http
