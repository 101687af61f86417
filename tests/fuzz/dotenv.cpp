// .env files and the settings built from them: any text is either settings or one
// DotenvError/ConfigError line, never a crash.
#include "config/dotenv.hpp"
#include "config/settings.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto env = config::parse_dotenv(text);
        auto settings = config::load_settings(env);
        (void)config::mask_url(settings.database_url);
    } catch (const config::DotenvError&) {
    } catch (const config::ConfigError&) {
    }
    try {
        (void)config::parse_duration(text);
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
