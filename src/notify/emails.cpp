#include "notify/emails.hpp"

namespace notify {

Origin Origin::from_vars(const boost::json::object& o) {
    auto text = [&](const char* key) {
        auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    return {text("ip"), text("device"), text("location")};
}

}  // namespace notify
