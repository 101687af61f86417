#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/') return out;
    path.remove_prefix(1);
    while (true) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

bool method_matches(std::string_view route_method, std::string_view method) {
    return route_method == method || (method == "HEAD" && route_method == "GET");
}

}  // namespace

Route& Router::add(std::string method, std::string pattern, Handler handler) {
    if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route pattern must start with /: " + pattern);
    auto route = std::make_unique<Route>();
    route->method = std::move(method);
    route->pattern = std::move(pattern);
    route->handler = std::move(handler);
    bool dynamic = false;
    for (auto seg : split_path(route->pattern)) {
        dynamic = dynamic || is_param(seg);
        route->segments.emplace_back(seg);
    }
    for (const auto& r : routes_)
        if (r->method == route->method && r->pattern == route->pattern)
            throw std::invalid_argument("route declared twice: " + route->method + " " + route->pattern);
    const Route* raw = route.get();
    routes_.push_back(std::move(route));
    if (dynamic)
        dynamic_routes_.push_back(raw);
    else
        static_routes_[raw->pattern].push_back(raw);
    return *routes_.back();
}

Match Router::match(std::string_view method, std::string_view path) const {
    Match m;
    auto consider = [&](const Route* r) {
        if (method_matches(r->method, method)) {
            if (!m.route) m.route = r;
        } else if (!r->concealed && std::find(m.allowed.begin(), m.allowed.end(), r->method) == m.allowed.end()) {
            m.allowed.push_back(r->method);
        }
    };
    if (auto it = static_routes_.find(std::string(path)); it != static_routes_.end()) {
        for (const Route* r : it->second) consider(r);
        if (m.route) return m;
    }
    auto parts = split_path(path);
    for (const Route* r : dynamic_routes_) {
        if (r->segments.size() != parts.size()) continue;
        std::vector<std::pair<std::string_view, std::string_view>> params;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            const auto& seg = r->segments[i];
            if (is_param(seg)) {
                if (parts[i].empty())
                    ok = false;
                else
                    params.emplace_back(std::string_view(seg).substr(1, seg.size() - 2), parts[i]);
            } else {
                ok = seg == parts[i];
            }
        }
        if (!ok) continue;
        // A static route wins over a parameter at the same place ("/api/users/@me").
        if (method_matches(r->method, method) && !m.route) {
            m.route = r;
            m.params = std::move(params);
        } else if (!method_matches(r->method, method)) {
            consider(r);
        }
    }
    if (m.route)
        m.allowed.clear();
    else if (!m.allowed.empty() && std::find(m.allowed.begin(), m.allowed.end(), "GET") != m.allowed.end())
        m.allowed.emplace_back("HEAD");
    return m;
}

}  // namespace http
