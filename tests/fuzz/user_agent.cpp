// User-Agent headers (attacker-controlled) through the uap-core regexes and the device
// string built from them; and the prefilter (patterns skipped for lacking their required
// text) must answer what trying every pattern in order answers.
#include "geo/user_agent.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace {

std::unique_ptr<geo::UserAgentParser> load(geo::UserAgentParser::Prefilter prefilter) {
    const char* path = std::getenv("UA_REGEXES_PATH");
    return geo::UserAgentParser::load(path ? path : "/usr/share/uap-core/regexes.yaml", 64, prefilter);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static auto filtered = load(geo::UserAgentParser::Prefilter::on);
    static auto every = load(geo::UserAgentParser::Prefilter::off);
    std::string_view ua(reinterpret_cast<const char*>(data), size);
    auto parsed = filtered->parse(ua);
    (void)parsed.readable();
    if (!(filtered->parse_uncached(ua) == every->parse_uncached(ua))) std::abort();
    return 0;
}
