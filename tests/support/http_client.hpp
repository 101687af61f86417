#pragma once
// A small blocking HTTP/1.1 client for tests, over one keep-alive connection.
#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace testing_support {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names (the first of repeated ones)
    std::vector<std::string> set_cookies;        // every Set-Cookie, in order
    std::string body;
    bool keep_alive = true;

    boost::json::value json() const;
    std::string header(const std::string& lower_name) const;
};

class HttpClient {
public:
    explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
    ~HttpClient();

    HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});
    HttpResponse get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        return request("GET", target, {}, headers);
    }
    HttpResponse post_json(const std::string& target, const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& headers = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sends raw bytes on a fresh connection and returns everything the server sends back
// until it closes the connection or `timeout` passes. `closed` tells which happened.
struct RawExchange {
    std::string received;
    bool closed = false;
    std::chrono::milliseconds elapsed{0};
};
RawExchange raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

}  // namespace testing_support
