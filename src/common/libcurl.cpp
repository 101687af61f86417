#include "common/libcurl.hpp"

namespace common {

const Libcurl& libcurl() {
    static const Libcurl loaded = [] {
        Libcurl curl;
        // Thread-safe since libcurl 7.84; it runs once anyway, inside this initializer.
        curl.global_init(CURL_GLOBAL_DEFAULT);
        return curl;
    }();
    return loaded;
}

}  // namespace common
