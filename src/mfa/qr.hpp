#pragma once
// A QR code as an SVG image (libqrencode), for authenticator apps to scan an otpauth:// URI.
#include <string>
#include <string_view>

namespace mfa {

// A square SVG of `text`'s QR code (error correction M, a 4-module quiet zone), black on
// white, scalable. Throws std::runtime_error when the text does not fit a QR code.
std::string qr_svg(std::string_view text);

}  // namespace mfa
