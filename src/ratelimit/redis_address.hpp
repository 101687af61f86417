#pragma once
// Where Redis is and how to reach it and sign in to it: REDIS_URL and the REDIS_TLS_* files.
#include <string>
#include <string_view>
#include <vector>

namespace ratelimit {

// redis://[[user]:password@]host[:port][/db], or rediss:// for TLS. A lone `secret@` is the
// password (the default user's). User and password are percent-decoded, so a password holding '@', ':'
// or '/' is written %40, %3A, %2F. The host is a name, an IPv4 address or an [IPv6]
// literal; no host means 127.0.0.1.
struct RedisAddress {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string user;  // a Redis 6 ACL user; "" signs in as the default user
    std::string password;
    int db = 0;
    bool tls = false;  // rediss://

    // Throws std::invalid_argument saying what is wrong, never echoing the URL (it may hold
    // the password).
    static RedisAddress parse(std::string_view url);

    // AUTH [user] password, the first command of every connection; empty without a password.
    std::vector<std::string> auth_command() const;
    // "redis connect to host:port failed: <why>".
    std::string connect_failure(std::string_view why) const;
};

// The shared store's settings, as Settings holds them.
struct RedisOptions {
    std::string url;          // REDIS_URL; empty: in-process stores
    std::string tls_ca_file;  // rediss://: the CAs Redis's certificate must come from; empty: the system's
    // rediss://: a client certificate and its key (PEM), for a Redis that asks for one
    // (redis-server's tls-auth-clients).
    std::string tls_cert_file, tls_key_file;
};

}  // namespace ratelimit
