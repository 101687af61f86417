#pragma once
// Routes: method + path pattern ("/api/users/{user_id}") -> handler, with per-route options.
// The same declarations later feed the OpenAPI document, so docs cannot drift from code.
#include "http/message.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace http {

using Handler = std::function<Response(Request&)>;

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    // Cheap handlers that never block (health, docs) run on the io thread; everything
    // else (DB, Argon2, Redis) runs on the bounded worker pool.
    bool runs_on_io_thread = false;
    std::string summary;
    std::string limit_text;                // per-client limit, e.g. "15/hour"
    bool exempt_from_rate_limits = false;  // health, docs, metrics

    Route& on_io_thread() {
        runs_on_io_thread = true;
        return *this;
    }
    // Asked on the io thread before a request would go to the worker pool: true when the
    // handler can answer it without blocking, because what it needs is in memory (it leaves
    // that in Request::prepared); the request is then handled on the io thread.
    std::function<bool(Request&)> ready_on_io_thread;
    Route& limit(std::string text) {
        limit_text = std::move(text);
        return *this;
    }
    Route& unlimited() {
        exempt_from_rate_limits = true;
        return *this;
    }
    // Not advertised: another method on its path answers 404 (not 405 naming this one).
    bool concealed = false;
    Route& conceal() {
        concealed = true;
        return *this;
    }
    // The OpenAPI tag that groups the route, and its one-line summary.
    Route& describe(std::string tag, std::string text) {
        doc.tag = std::move(tag);
        summary = std::move(text);
        return *this;
    }

    // What the OpenAPI document says beyond method, path and summary (api/openapi.cpp).
    struct Doc {
        std::string tag;
        bool authenticated = false;
        std::string request_schema;                              // a component schema name; "" = no body
        boost::json::object request_json;                        // that schema (from the body's field table)
        bool request_optional = false;                           // an empty body is allowed
        bool accepts_form = false;                               // also application/x-www-form-urlencoded
        std::vector<std::pair<std::string, std::string>> query;  // name, description
        std::vector<std::pair<int, std::string>> responses;      // status, schema name ("" = no body)
        bool hidden = false;                                     // static assets: not operations
    } doc;
    Route& authenticated() {
        doc.authenticated = true;
        return *this;
    }
    Route& accepts(std::string name, boost::json::object schema, bool optional = false) {
        doc.request_schema = std::move(name);
        doc.request_json = std::move(schema);
        doc.request_optional = optional;
        return *this;
    }
    Route& accepts_form() {
        doc.accepts_form = true;
        return *this;
    }
    Route& query(std::string name, std::string description) {
        doc.query.emplace_back(std::move(name), std::move(description));
        return *this;
    }
    Route& returns(int status, std::string schema = {}) {
        doc.responses.emplace_back(status, std::move(schema));
        return *this;
    }
    // Refusals beyond those the declaration implies (a body: 400, 413, 422; authenticated: 401;
    // rate limited: 429), each answered with the Error schema.
    template <typename... Status>
    Route& refuses(Status... status) {
        (doc.responses.emplace_back(status, "Error"), ...);
        return *this;
    }
    Route& undocumented() {
        doc.hidden = true;
        return *this;
    }

    std::vector<std::string> segments;  // split pattern; "{name}" marks a parameter
};

struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string_view, std::string_view>> params;
    std::vector<std::string> allowed;  // methods of the path when the method did not match
};

class Router {
public:
    Route& add(std::string method, std::string pattern, Handler handler);
    Route& get(std::string p, Handler h) { return add("GET", std::move(p), std::move(h)); }
    Route& post(std::string p, Handler h) { return add("POST", std::move(p), std::move(h)); }
    Route& put(std::string p, Handler h) { return add("PUT", std::move(p), std::move(h)); }
    Route& patch(std::string p, Handler h) { return add("PATCH", std::move(p), std::move(h)); }
    Route& del(std::string p, Handler h) { return add("DELETE", std::move(p), std::move(h)); }

    // HEAD matches GET routes. The params view into `path`.
    Match match(std::string_view method, std::string_view path) const;
    const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

private:
    std::vector<std::unique_ptr<Route>> routes_;
    // Parameter-free paths are looked up directly; the rest are scanned.
    std::unordered_map<std::string, std::vector<const Route*>> static_routes_;
    std::vector<const Route*> dynamic_routes_;
};

}  // namespace http
