#include "klik/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "klik/error.hpp"

namespace klik {
namespace {

/// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when the
/// bytes there are not one (Unicode 15, table 3-7: well-formed byte sequences).
std::size_t sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < n) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

void append_hex(std::string& out, std::uint8_t b) {
  static constexpr std::array<char, 16> digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  out += "\\x";
  out += digits[b >> 4];
  out += digits[b & 0xF];
}

/// Appends the character at text[i] (a well-formed sequence as it is, a stray
/// byte as \xNN) and returns the offset after it.
std::size_t append_character(std::string& out, std::string_view text, std::size_t i) {
  const auto b = static_cast<std::uint8_t>(text[i]);
  const std::size_t n = b < 0x80 ? 1 : sequence_length(text, i);
  if (n == 0) {
    append_hex(out, b);
    return i + 1;
  }
  out.append(text.substr(i, n));
  return i + n;
}

/// Notes how much of `text` from `i` on was left out.
void append_rest(std::string& out, std::string_view text, std::size_t i) {
  if (i < text.size()) out += "… (" + std::to_string(text.size() - i) + " more bytes)";
}

}  // namespace

std::optional<std::size_t> invalid_utf8_offset(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    // ASCII runs are the common case.
    if (static_cast<std::uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

void require_utf8(std::string_view text, std::string_view field) {
  if (const auto bad = invalid_utf8_offset(text))
    throw InvalidArgumentError("invalid UTF-8 at byte " + std::to_string(*bad), std::string(field));
}

std::string excerpt(std::string_view text, std::size_t max_chars) {
  std::string out = "\"";
  std::size_t i = 0;
  std::size_t chars = 0;
  while (i < text.size() && chars < max_chars) {
    const auto b = static_cast<std::uint8_t>(text[i]);
    ++chars;
    if (b < 0x80) {
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (b < 0x20 || b == 0x7F)
            append_hex(out, b);
          else
            out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    i = append_character(out, text, i);
  }
  out += '"';
  append_rest(out, text, i);
  return out;
}

namespace detail {

std::string bounded_message(std::string_view text, std::size_t max_bytes) {
  // The common case, a short valid message, is returned as it is.
  if (text.size() <= max_bytes && !invalid_utf8_offset(text)) return std::string(text);
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 32);
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) i = append_character(out, text, i);
  append_rest(out, text, i);
  return out;
}

}  // namespace detail
std::string fold_case(std::string_view utf8) {
  std::string out(utf8);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c + 32);
    } else if (c == 0xC3 && i + 1 < out.size()) {
      const auto n = static_cast<unsigned char>(out[i + 1]);
      // U+00C0..U+00DE are upper case (except U+00D7, the multiplication sign); lower case is +0x20.
      if (n >= 0x80 && n <= 0x9E && n != 0x97) out[i + 1] = static_cast<char>(n + 0x20);
      ++i;
    }
  }
  return out;
}

}  // namespace klik
