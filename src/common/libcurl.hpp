#pragma once
// libcurl, loaded on its first use (common/shared_library.hpp): outbound HTTPS calls and
// SMTP delivery. The first call also runs curl_global_init.
#include "common/shared_library.hpp"
#include "common/sonames.hpp"

#include <curl/curl.h>

namespace common {

struct Libcurl {
    SharedLibrary library{sonames::kCurl};
    decltype(&curl_global_init) global_init = STARTER_FUNCTION(library, curl_global_init);
    decltype(&curl_easy_init) easy_init = STARTER_FUNCTION(library, curl_easy_init);
    decltype(&curl_easy_reset) easy_reset = STARTER_FUNCTION(library, curl_easy_reset);
    decltype(&curl_easy_setopt) easy_setopt = STARTER_FUNCTION(library, curl_easy_setopt);
    decltype(&curl_easy_perform) easy_perform = STARTER_FUNCTION(library, curl_easy_perform);
    decltype(&curl_easy_getinfo) easy_getinfo = STARTER_FUNCTION(library, curl_easy_getinfo);
    decltype(&curl_easy_strerror) easy_strerror = STARTER_FUNCTION(library, curl_easy_strerror);
    decltype(&curl_easy_cleanup) easy_cleanup = STARTER_FUNCTION(library, curl_easy_cleanup);
    decltype(&curl_slist_append) slist_append = STARTER_FUNCTION(library, curl_slist_append);
    decltype(&curl_slist_free_all) slist_free_all = STARTER_FUNCTION(library, curl_slist_free_all);
};

// Throws common::SharedLibraryError if libcurl cannot be loaded.
const Libcurl& libcurl();

}  // namespace common
