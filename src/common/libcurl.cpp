#include "common/libcurl.hpp"

#include "common/shared_library.hpp"
#include "common/sonames.hpp"

namespace common {

const Libcurl& libcurl() {
    static const Libcurl loaded = [] {
        const SharedLibrary library(sonames::kCurl);
        // Thread-safe since libcurl 7.84; it runs once anyway, inside this initializer.
        STARTER_FUNCTION(library, curl_global_init)(CURL_GLOBAL_DEFAULT);
        return Libcurl{
            .easy_init = STARTER_FUNCTION(library, curl_easy_init),
            .easy_reset = STARTER_FUNCTION(library, curl_easy_reset),
            .easy_setopt = STARTER_FUNCTION(library, curl_easy_setopt),
            .easy_perform = STARTER_FUNCTION(library, curl_easy_perform),
            .easy_getinfo = STARTER_FUNCTION(library, curl_easy_getinfo),
            .easy_strerror = STARTER_FUNCTION(library, curl_easy_strerror),
            .easy_cleanup = STARTER_FUNCTION(library, curl_easy_cleanup),
            .slist_append = STARTER_FUNCTION(library, curl_slist_append),
            .slist_free_all = STARTER_FUNCTION(library, curl_slist_free_all),
        };
    }();
    return loaded;
}

}  // namespace common
