#include "http/pipeline.hpp"

namespace http {

thread_local const Dispatch* Pipeline::current_dispatch_ = nullptr;

Response Next::operator()(Request& req) const { return pipeline_->call(index_, req); }

Response Pipeline::handle(Request& req, const Dispatch& dispatch) const {
    // The chain runs synchronously on one thread, so the dispatch can ride in a thread local.
    const Dispatch* saved = current_dispatch_;
    current_dispatch_ = &dispatch;
    struct Restore {
        const Dispatch* saved;
        ~Restore() { current_dispatch_ = saved; }
    } restore{saved};
    req.route = dispatch.match.route;
    req.params = dispatch.match.params;
    return call(0, req);
}

Response Pipeline::call(std::size_t index, Request& req) const {
    if (index < middleware_.size()) return middleware_[index](req, Next(*this, index + 1));
    const Dispatch& d = *current_dispatch_;
    if (d.rejected) throw *d.rejected;
    if (d.match.route) return d.match.route->handler(req);
    if (!d.match.allowed.empty()) throw method_not_allowed(d.match.allowed);
    throw not_found();
}

}  // namespace http
