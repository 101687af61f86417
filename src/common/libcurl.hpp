#pragma once
// libcurl, loaded on its first use (common/shared_library.hpp): outbound HTTPS calls and
// SMTP delivery. The first call also runs curl_global_init.
#include <curl/curl.h>

namespace common {

struct Libcurl {
    decltype(&curl_easy_init) easy_init;
    decltype(&curl_easy_reset) easy_reset;
    decltype(&curl_easy_setopt) easy_setopt;
    decltype(&curl_easy_perform) easy_perform;
    decltype(&curl_easy_getinfo) easy_getinfo;
    decltype(&curl_easy_strerror) easy_strerror;
    decltype(&curl_easy_cleanup) easy_cleanup;
    decltype(&curl_slist_append) slist_append;
    decltype(&curl_slist_free_all) slist_free_all;
};

// Throws common::SharedLibraryError if libcurl cannot be loaded.
const Libcurl& libcurl();

}  // namespace common
