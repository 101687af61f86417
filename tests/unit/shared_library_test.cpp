// Loading a library on first use (common/shared_library.hpp): what goes wrong is named.
#include "common/shared_library.hpp"
#include "common/sonames.hpp"

#include <gtest/gtest.h>

TEST(SharedLibraryErrors, AMissingLibraryOrFunctionIsNamedInTheError) {
    try {
        common::SharedLibrary missing("libstarter-no-such-library.so.1");
        ADD_FAILURE() << "loaded a library that does not exist";
    } catch (const common::SharedLibraryError& e) {
        EXPECT_NE(std::string(e.what()).find("libstarter-no-such-library.so.1 could not be loaded"), std::string::npos)
            << e.what();
    }
    const common::SharedLibrary curl(common::sonames::kCurl);
    EXPECT_NE(curl.function<void()>("curl_easy_init"), nullptr);
    try {
        curl.function<void()>("curl_no_such_function");
        ADD_FAILURE() << "found a function that does not exist";
    } catch (const common::SharedLibraryError& e) {
        EXPECT_EQ(std::string(e.what()), std::string(common::sonames::kCurl) + " has no curl_no_such_function");
    }
}
