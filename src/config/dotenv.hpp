#pragma once
// Parser for `.env` files: KEY=VALUE lines, `export` prefixes, comments and quoted values.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace config {

using Env = std::map<std::string, std::string, std::less<>>;

struct DotenvError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses the text of a .env file. Throws DotenvError naming the line on malformed input.
Env parse_dotenv(std::string_view text);

// Reads and parses a .env file; a missing file yields an empty Env.
Env read_dotenv_file(const std::string& path);

}  // namespace config
