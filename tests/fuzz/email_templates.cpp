// Every email template rendered with user-controlled values (username, device, location,
// IP, masked address): Mustache must escape them in HTML and never fail.
#include "notify/email.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static notify::Templates templates("Starter", "http://localhost:3000");
    // Markers that no template contains, so finding the raw value proves an unescaped insert.
    const std::string value = "[[fz" + std::string(reinterpret_cast<const char*>(data), size) + "zf]]";
    boost::json::object vars{{"username", value},         {"device", value}, {"location", value},       {"ip", value},
                             {"new_email_masked", value}, {"time", value},   {"expires_minutes", "10"}, {"code", "12345678"},
                             {"method", value},           {"name", value},   {"codes_left", "3"}};
    for (const auto& name : templates.names()) {
        auto r = templates.render(name, vars);
        // A value may appear in the HTML part only escaped.
        if (value.find('<') != std::string::npos && r.html.find(value) != std::string::npos) __builtin_trap();
    }
    return 0;
}
