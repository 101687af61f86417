#include "http/message.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace http {

std::string_view Request::header(std::string_view name) const {
    auto it = raw.find(name);
    return it == raw.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return {};
}

std::optional<std::string> url_decode(std::string_view in) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
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
    auto qmark = target.find('?');
    path = target.substr(0, qmark);
    query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
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

}  // namespace http
