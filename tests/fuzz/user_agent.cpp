// User-Agent headers (attacker-controlled) through the uap-core regexes and the device
// string built from them.
#include "geo/user_agent.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<geo::UserAgentParser> parser = [] {
        const char* path = std::getenv("UA_REGEXES_PATH");
        return geo::UserAgentParser::load(path ? path : "/usr/share/uap-core/regexes.yaml", 64);
    }();
    std::string_view ua(reinterpret_cast<const char*>(data), size);
    auto parsed = parser->parse(ua);
    (void)parsed;
    return 0;
}
