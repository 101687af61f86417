// The development mailbox's reader of .eml files (notify::parse_mail): any bytes in, no
// crash, no hang, whatever the headers, boundaries and encodings claim.
#include "notify/mailbox.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto mail = notify::parse_mail(std::string(reinterpret_cast<const char*>(data), size));
    return mail.subject.size() > size * 4 ? 1 : 0;  // use the result
}
