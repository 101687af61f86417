#include "oauth/provider.hpp"

#include <boost/json/parse.hpp>

namespace oauth {

http::OutboundResponse call(const http::OutboundRequest& request, std::string_view what) {
    try {
        return http::fetch(request);
    } catch (const http::OutboundError& e) {
        throw ProviderError(std::string(what) + ": " + e.what());
    }
}

boost::json::object call_json(const http::OutboundRequest& request, std::string_view what) {
    auto response = call(request, what);
    if (response.status < 200 || response.status > 299)
        throw ProviderError(std::string(what) + " answered HTTP " + std::to_string(response.status));
    boost::system::error_code ec;
    auto value = boost::json::parse(response.body, ec);
    if (ec || !value.is_object()) throw ProviderError(std::string(what) + " answered something other than a JSON object");
    return std::move(value.as_object());
}

std::string text_member(const boost::json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

std::string display_name(std::string_view provider) {
    if (provider == "google") return "Google";
    if (provider == "facebook") return "Facebook";
    if (provider == "github") return "GitHub";
    return std::string(provider);
}

}  // namespace oauth
