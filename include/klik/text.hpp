#pragma once
/// @file text.hpp
/// @brief klik's text is UTF-8: checking it at the edges, and quoting input in
/// messages without letting it take the message over.
///
/// Every entry that takes text (JSON documents, query text, entity fields
/// handed to a store) rejects invalid UTF-8 with an InvalidArgumentError
/// naming the field and the byte offset of the first bad byte. Error messages
/// quote input through excerpt(), so a message is always valid UTF-8 and
/// never carries more than a short piece of what the caller sent.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace klik {

/// The offset of the first byte that does not belong to well-formed UTF-8
/// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or
/// nullopt when `text` is valid.
[[nodiscard]] std::optional<std::size_t> invalid_utf8_offset(std::string_view text) noexcept;

/// Throws InvalidArgumentError("invalid UTF-8 at byte N", field) unless `text` is valid UTF-8.
void require_utf8(std::string_view text, std::string_view field);

/// The most an excerpt quotes, in characters (code points).
inline constexpr std::size_t excerpt_chars = 80;

/// `text` in double quotes for an error message: at most `max_chars` code
/// points (then "…" and how many bytes were left out), control characters,
/// quotes and backslashes escaped, and bytes that are not UTF-8 written as \xNN.
/// The result is always valid UTF-8.
[[nodiscard]] std::string excerpt(std::string_view text, std::size_t max_chars = excerpt_chars);

/// Case folding: lower-cases ASCII letters and the upper-case Latin-1 letters in
/// UTF-8 (Æ Ø Å É Ü Ö Ä ... -> æ ø å é ü ö ä); other bytes unchanged. The title
/// search and the enumerations' Danish labels ("rød" = "Rød") compare through it.
[[nodiscard]] std::string fold_case(std::string_view utf8);

}  // namespace klik
