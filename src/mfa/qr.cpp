#include "mfa/qr.hpp"

#include <qrencode.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace mfa {

std::string qr_svg(std::string_view text) {
    const std::string input(text);
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                         QRcode_free);
    if (!code) throw std::runtime_error("the text does not fit a QR code");
    constexpr int quiet = 4;
    const int width = code->width, size = width + 2 * quiet;
    std::string path;
    for (int y = 0; y < width; ++y)
        for (int x = 0; x < width; ++x)
            if (code->data[y * width + x] & 1)  // bit 0: a dark module
                path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
    const auto s = std::to_string(size);
    return R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + s + " " + s +
           R"(" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=")" + path +
           R"("/></svg>)";
}

}  // namespace mfa
