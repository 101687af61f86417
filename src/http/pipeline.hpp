#pragma once
// The middleware chain every request passes through, ending in the matched route's handler.
#include "http/errors.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace http {

class Pipeline;

// Calls the rest of the chain. Cheap to copy; does not allocate.
class Next {
public:
    Next(const Pipeline& p, std::size_t index) : pipeline_(&p), index_(index) {}
    Response operator()(Request& req) const;

private:
    const Pipeline* pipeline_;
    std::size_t index_;
};

using Middleware = std::function<Response(Request&, Next)>;

// What the network layer hands to the pipeline besides the request itself.
struct Dispatch {
    Match match;
    std::optional<Error> rejected;  // set when the request was refused before routing (413, bad HTTP)
};

class Pipeline {
public:
    void use(Middleware m) { middleware_.push_back(std::move(m)); }
    // Runs the chain; the last step calls the route's handler or raises 404/405/the rejection.
    Response handle(Request& req, const Dispatch& dispatch) const;

private:
    friend class Next;
    Response call(std::size_t index, Request& req) const;

    std::vector<Middleware> middleware_;
    static thread_local const Dispatch* current_dispatch_;
};

}  // namespace http
