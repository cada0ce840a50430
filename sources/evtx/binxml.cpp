#include "sources/evtx/binxml.hpp"

#include <algorithm>

#include "sources/evtx/value_text.hpp"

namespace authwatch::sources::evtx {
namespace {

namespace token {
constexpr uint8_t kEndOfStream = 0x00;
constexpr uint8_t kOpenStartElement = 0x01;
constexpr uint8_t kCloseStartElement = 0x02;
constexpr uint8_t kCloseEmptyElement = 0x03;
constexpr uint8_t kEndElement = 0x04;
constexpr uint8_t kValue = 0x05;
constexpr uint8_t kAttribute = 0x06;
constexpr uint8_t kCData = 0x07;
constexpr uint8_t kCharRef = 0x08;
constexpr uint8_t kEntityRef = 0x09;
constexpr uint8_t kPITarget = 0x0a;
constexpr uint8_t kPIData = 0x0b;
constexpr uint8_t kTemplateInstance = 0x0c;
constexpr uint8_t kNormalSubstitution = 0x0d;
constexpr uint8_t kOptionalSubstitution = 0x0e;
constexpr uint8_t kFragmentHeader = 0x0f;
constexpr uint8_t kMore = 0x40;  // "more data follows" on element, value, attribute, CDATA and reference tokens
}  // namespace token

std::string hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return "0x" + out;
}

std::string at(size_t offset) { return "chunk byte " + std::to_string(offset); }

bool is_piece_token(uint8_t t) {
  switch (t) {
    case token::kValue: case token::kValue | token::kMore:
    case token::kNormalSubstitution: case token::kOptionalSubstitution:
    case token::kCharRef: case token::kCharRef | token::kMore:
    case token::kEntityRef: case token::kEntityRef | token::kMore:
    case token::kCData: case token::kCData | token::kMore:
      return true;
    default:
      return false;
  }
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// As an XML parser reads text: "\r\n" and a lone "\r" become "\n".
std::string normalise_line_ends(std::string text) {
  if (text.find('\r') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out.push_back(text[i]);
      continue;
    }
    out.push_back('\n');
    if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
  }
  return out;
}

std::string entity_text(const std::string& name) {
  if (name == "lt") return "<";
  if (name == "gt") return ">";
  if (name == "amp") return "&";
  if (name == "quot") return "\"";
  if (name == "apos") return "'";
  return "&" + name + ";";  // an XML parser keeps an unknown entity as written
}

}  // namespace

// Tokens -> Fragment. One per template body or run of a record's own elements.
class FragmentCompiler {
 public:
  FragmentCompiler(ChunkDocument& document, Cursor& cursor, bool dependency_ids, Fragment& out)
      : document_(document), cursor_(cursor), dependency_ids_(dependency_ids), out_(out) {}

  // Top-level elements (and processing instructions, skipped) up to the end-of-stream token
  // (consumed), the end of the bytes, or a token that starts something else (left unread).
  void read_body() {
    while (!cursor_.at_end()) {
      const uint8_t t = cursor_.peek();
      if (t == token::kFragmentHeader) {
        cursor_.skip(4, "a fragment header");
      } else if ((t & ~token::kMore) == token::kOpenStartElement) {
        out_.roots.push_back(read_element(0));
      } else if (t == token::kPITarget || t == token::kPIData) {
        skip_processing_instruction();
      } else {
        if (t == token::kEndOfStream) cursor_.u8("end of stream");
        return;
      }
    }
  }

 private:
  // Template definitions put a 16-bit dependency identifier after the element token; a record's
  // own elements and BinXml values do not (libyal's EVTX document §3.1.4). The rule decides,
  // unless its reading gives a name offset that cannot be right while the other one's can.
  bool has_dependency_id() const {
    const size_t p = cursor_.pos();
    auto plausible = [&](size_t name_field) {
      if (name_field + 4 > cursor_.end()) return false;
      const uint32_t offset = load_u32(&cursor_.data()[name_field]);
      return offset == name_field + 4 || (offset < name_field && offset + 10 <= cursor_.data().size());
    };
    const size_t with = p + 6, without = p + 4;
    if (plausible(dependency_ids_ ? with : without)) return dependency_ids_;
    if (plausible(dependency_ids_ ? without : with)) return !dependency_ids_;
    return dependency_ids_;
  }

  uint32_t read_element(int depth) {
    if (depth >= Limits::kElementDepth)
      throw FormatError("elements nested more than " + std::to_string(Limits::kElementDepth) + " deep at " + at(cursor_.pos()));
    const uint8_t start = cursor_.u8("an element start");
    if (has_dependency_id()) cursor_.u16("a dependency identifier");
    cursor_.u32("an element size");
    const auto index = static_cast<uint32_t>(out_.elements.size());
    std::string name = read_name();
    out_.elements.emplace_back().name = std::move(name);
    if (start & token::kMore) read_attributes(index);

    const size_t close_at = cursor_.pos();
    const uint8_t close = cursor_.u8("the end of an element start");
    if (close == token::kCloseEmptyElement) return index;
    if (close != token::kCloseStartElement)
      throw FormatError("element <" + out_.elements[index].name + ">: token " + hex(close) + " at " + at(close_at) +
                        " where its start tag should close");
    for (;;) {
      const size_t token_at = cursor_.pos();
      if (cursor_.at_end())
        throw FormatError("element <" + out_.elements[index].name + "> is not closed before " + at(token_at));
      const uint8_t t = cursor_.peek();
      if ((t & ~token::kMore) == token::kOpenStartElement) {
        const uint32_t child = read_element(depth + 1);
        out_.elements[index].content.emplace_back().element = child;
      } else if (is_piece_token(t)) {
        Piece& piece = out_.elements[index].content.emplace_back().piece;
        read_piece(piece);
        if (piece.kind == Piece::Kind::Substitution) out_.elements[index].substituted = true;
      } else if (t == token::kPITarget || t == token::kPIData) {
        skip_processing_instruction();
      } else if (t == token::kEndElement) {
        cursor_.u8("an end element");
        return index;
      } else {
        throw FormatError("element <" + out_.elements[index].name + ">: unexpected token " + hex(t) + " at " +
                          at(token_at));
      }
    }
  }

  void read_attributes(uint32_t index) {
    cursor_.u32("an attribute list size");
    while (!cursor_.at_end() && (cursor_.peek() & ~token::kMore) == token::kAttribute) {
      cursor_.u8("an attribute");
      Attribute attribute;
      attribute.name = read_name();
      while (!cursor_.at_end() && is_piece_token(cursor_.peek())) read_piece(attribute.value.emplace_back());
      out_.elements[index].attributes.push_back(std::move(attribute));
    }
  }

  void read_piece(Piece& piece) {
    const size_t token_at = cursor_.pos();
    const uint8_t t = cursor_.u8("a value");
    switch (t & ~token::kMore) {
      case token::kValue: {
        const uint8_t type = cursor_.u8("a value type");
        if (type != value_type::kString)
          throw FormatError("value token at " + at(token_at) + " of type " + value_type_name(type) +
                            " (text values are Strings)");
        piece.kind = Piece::Kind::Text;
        piece.text = read_counted_utf16("a text value");
        return;
      }
      case token::kCData:
        piece.kind = Piece::Kind::CData;
        piece.text = read_counted_utf16("a CDATA section");
        return;
      case token::kCharRef: {
        const uint16_t unit = cursor_.u16("a character reference");
        const uint8_t utf16[2] = {static_cast<uint8_t>(unit & 0xFF), static_cast<uint8_t>(unit >> 8)};
        piece.kind = Piece::Kind::Reference;
        append_utf16(Bytes(utf16, 2), piece.text, false);
        return;
      }
      case token::kEntityRef:
        piece.kind = Piece::Kind::Reference;
        piece.text = entity_text(read_name());
        return;
      default:  // the two substitution tokens (is_piece_token let nothing else through)
        piece.kind = Piece::Kind::Substitution;
        piece.optional = t == token::kOptionalSubstitution;
        piece.index = cursor_.u16("a substitution index");
        cursor_.u8("a substitution type");
        return;
    }
  }

  void skip_processing_instruction() {
    if (cursor_.u8("a processing instruction") == token::kPITarget) read_name();
    else read_counted_utf16("processing instruction data");
  }

  std::string read_counted_utf16(const char* what) {
    const uint16_t count = cursor_.u16(what);
    std::string text;
    append_utf16(cursor_.take(size_t{count} * 2, what), text, false);
    return text;
  }

  // A name is written where it is first used (its offset is then the current position) and
  // referred to by offset after that.
  std::string read_name() {
    const uint32_t offset = cursor_.u32("a name offset");
    const std::string& name = document_.name_at(offset);
    if (offset == cursor_.pos()) cursor_.skip(10 + size_t{load_u16(&cursor_.data()[offset + 6])} * 2, "a name");
    return name;
  }

  ChunkDocument& document_;
  Cursor& cursor_;
  const bool dependency_ids_;
  Fragment& out_;
};

ChunkDocument::ChunkDocument() = default;
ChunkDocument::~ChunkDocument() = default;

void ChunkDocument::start_chunk(Bytes chunk) {
  chunk_ = chunk;
  names_.clear();
  templates_.clear();
}

const std::string& ChunkDocument::name_at(uint32_t offset) {
  if (auto it = names_.find(offset); it != names_.end()) return it->second;
  // Next-name offset (4), hash (2), character count (2), the characters, a NUL.
  if (size_t{offset} + 8 > chunk_.size()) throw FormatError("a name at " + at(offset) + " lies outside the chunk");
  const size_t count = load_u16(&chunk_[offset + 6]);
  if (offset + 8 + count * 2 > chunk_.size())
    throw FormatError("the name at " + at(offset) + " (" + std::to_string(count) + " characters) runs past the chunk end");
  std::string name;
  append_utf16(chunk_.subspan(offset + 8, count * 2), name, false);
  return names_.emplace(offset, std::move(name)).first->second;
}

const Fragment& ChunkDocument::template_at(uint32_t offset) {
  auto [it, inserted] = templates_.try_emplace(offset);
  TemplateEntry& entry = it->second;
  if (!inserted) {
    if (!entry.error.empty()) throw FormatError(entry.error);
    return *entry.fragment;
  }
  try {
    // Next-template offset (4), GUID (16), data size (4), then the body: fragment header,
    // element, end of stream.
    // The body ends with its end-of-stream token; the size is only a bound (writers leave
    // wrong ones in some logs, and libevtx does not read it either).
    if (size_t{offset} + 24 > chunk_.size()) throw FormatError("its header runs past the chunk end");
    const size_t size = load_u32(&chunk_[offset + 20]);
    const size_t body = offset + 24;
    Cursor cursor(chunk_, body, size <= chunk_.size() - body ? body + size : chunk_.size());
    auto fragment = std::make_unique<Fragment>();
    FragmentCompiler(*this, cursor, true, *fragment).read_body();
    if (fragment->roots.empty()) {
      if (!cursor.at_end() && cursor.peek() == token::kTemplateInstance)
        throw FormatError("it holds a template instance, which a template cannot (a loop?)");
      throw FormatError("it holds no element");
    }
    entry.fragment = std::move(fragment);
    return *entry.fragment;
  } catch (const FormatError& e) {
    entry.error = "template at " + at(offset) + ": " + e.what();
    throw FormatError(entry.error);
  }
}

Instance& ChunkDocument::new_instance() {
  if (instances_used_ == instances_.size()) instances_.push_back(std::make_unique<Instance>());
  Instance& instance = *instances_[instances_used_++];
  instance.fragment = nullptr;
  instance.values.clear();
  instance.template_offset = 0;
  instance.parent = nullptr;
  instance.nesting = 0;
  return instance;
}

Fragment& ChunkDocument::new_raw_fragment() {
  if (raw_fragments_used_ == raw_fragments_.size()) raw_fragments_.push_back(std::make_unique<Fragment>());
  Fragment& fragment = *raw_fragments_[raw_fragments_used_++];
  fragment.clear();
  return fragment;
}

Instance& ChunkDocument::read_template_instance(Cursor& cursor, const Instance* parent, int nesting) {
  const size_t token_at = cursor.pos();
  cursor.u8("a template instance");
  cursor.u8("a template instance");
  cursor.u32("a template identifier");
  const uint32_t offset = cursor.u32("a template offset");
  if (offset == cursor.pos()) {  // defined here: skip the definition, it is compiled from its offset
    cursor.skip(20, "a template header");
    cursor.skip(cursor.u32("a template size"), "a template body");
  }
  for (const Instance* p = parent; p != nullptr; p = p->parent)
    if (p->template_offset == offset)
      throw FormatError("the template at " + at(offset) + " is used inside its own substitution values (a loop)");
  const Fragment& fragment = template_at(offset);

  const size_t count = cursor.u32("the number of substitution values");
  if (count > Limits::kValuesPerInstance || count * 4 > cursor.remaining())
    throw FormatError("the template instance at " + at(token_at) + " announces " + std::to_string(count) +
                      " substitution values; " + std::to_string(cursor.remaining()) + " bytes follow");
  Instance& instance = new_instance();
  instance.fragment = &fragment;
  instance.template_offset = offset;
  instance.parent = parent;
  instance.nesting = nesting;
  instance.values.resize(count);
  const Bytes descriptors = cursor.take(count * 4, "the substitution value descriptors");
  for (size_t i = 0; i < count; ++i) {
    instance.values[i].size = load_u16(&descriptors[i * 4]);
    instance.values[i].type = descriptors[i * 4 + 2];
  }
  for (size_t i = 0; i < count; ++i) {
    Value& value = instance.values[i];
    if (value.size > cursor.remaining())
      throw FormatError("substitution value " + std::to_string(i) + " (" + value_type_name(value.type) + ", " +
                        std::to_string(value.size) + " bytes) runs past the record's end");
    value.offset = static_cast<uint32_t>(cursor.pos());
    cursor.skip(value.size, "a substitution value");
  }
  spend(count);
  return instance;
}

void ChunkDocument::read_document(Cursor& cursor, const Instance* parent, int nesting, std::vector<ElementRef>& roots) {
  if (nesting > Limits::kValueNesting)
    throw FormatError("BinXml values nested more than " + std::to_string(Limits::kValueNesting) + " deep");
  const size_t begin = cursor.pos();
  while (!cursor.at_end()) {
    const uint8_t t = cursor.peek();
    if (t == token::kFragmentHeader) {
      cursor.skip(4, "a fragment header");
      continue;
    }
    if (t == token::kTemplateInstance) {
      Instance& instance = read_template_instance(cursor, parent, nesting);
      for (uint32_t root : instance.fragment->roots) roots.push_back({&instance, root});
      return;  // one fragment per record or value; what follows is padding
    }
    if ((t & ~token::kMore) == token::kOpenStartElement || t == token::kPITarget || t == token::kPIData) {
      Fragment& fragment = new_raw_fragment();
      FragmentCompiler(*this, cursor, false, fragment).read_body();
      if (fragment.roots.empty()) continue;  // only processing instructions so far
      Instance& instance = new_instance();
      instance.fragment = &fragment;
      instance.parent = parent;
      instance.nesting = nesting;
      for (uint32_t root : fragment.roots) roots.push_back({&instance, root});
      spend(fragment.elements.size());
      return;
    }
    break;
  }
  if (roots.empty())
    throw FormatError(cursor.at_end() ? "no element in the BinXML at " + at(begin)
                                      : "no element in the BinXML at " + at(begin) + " (token " + hex(cursor.peek()) +
                                            " at " + at(cursor.pos()) + ")");
}

const std::vector<ElementRef>& ChunkDocument::decode_record(size_t begin, size_t end) {
  instances_used_ = 0;
  raw_fragments_used_ = 0;
  expansions_used_ = 0;
  spent_ = 0;
  roots_.clear();
  Cursor cursor(chunk_, begin, end);
  read_document(cursor, nullptr, 0, roots_);
  return roots_;
}

const std::vector<ElementRef>& ChunkDocument::expand(const Instance& instance, uint16_t index) {
  for (size_t i = 0; i < expansions_used_; ++i) {
    const Expansion& e = *expansions_[i];
    if (e.instance == &instance && e.index == index) return e.roots;
  }
  if (expansions_used_ == expansions_.size()) expansions_.push_back(std::make_unique<Expansion>());
  Expansion& expansion = *expansions_[expansions_used_++];
  expansion.instance = &instance;
  expansion.index = index;
  expansion.roots.clear();
  const Value& value = instance.values[index];
  Cursor cursor(chunk_, value.offset, size_t{value.offset} + value.size);
  read_document(cursor, &instance, instance.nesting + 1, expansion.roots);
  return expansion.roots;
}

void ChunkDocument::spend(size_t amount) {
  spent_ += amount;
  if (spent_ > Limits::kExpansion)
    throw FormatError("the record expands to more than " + std::to_string(Limits::kExpansion >> 20) +
                      " MiB (substitutions repeated over and over?)");
}

const Value& ChunkDocument::value_of(const Instance& instance, const Piece& piece) const {
  if (piece.index >= instance.values.size())
    throw FormatError("substitution " + std::to_string(piece.index) + " refers to a value the template instance lacks (it has " +
                      std::to_string(instance.values.size()) + ")");
  return instance.values[piece.index];
}

bool ChunkDocument::shape(ElementRef& e, size_t& copies) {
  copies = 1;
  for (const auto& item : e.element().content) {
    if (item.element != ContentItem::kPiece || item.piece.kind != Piece::Kind::Substitution) continue;
    const Value& value = value_of(*e.instance, item.piece);
    if (value.type == value_type::kNull && item.piece.optional) return false;
    if ((value.type & value_type::kArray) && e.item == ElementRef::kWhole) {
      copies = std::max<size_t>(array_item_count(value.type, bytes_of(value)), 1);  // an empty array: one empty element
      spend(copies);
      e.item = 0;
      e.item_substitution = item.piece.index;
    }
  }
  return true;
}

void ChunkDocument::append_piece(const Instance& instance, const Piece& piece, const ElementRef* item_of, std::string& out) {
  if (piece.kind != Piece::Kind::Substitution) {
    out += piece.text;
    return;
  }
  const Value& value = value_of(instance, piece);
  if (value.type == value_type::kBinXml) return;  // elements, not text
  if (item_of && item_of->item != ElementRef::kWhole && item_of->item_substitution == piece.index)
    append_array_item(value.type, bytes_of(value), item_of->item, out);
  else
    append_value_text(value.type, bytes_of(value), out);
}

void ChunkDocument::append_pieces(const ElementRef& e, const std::vector<Piece>& pieces, std::string& out) {
  const size_t before = out.size();
  for (const auto& piece : pieces) append_piece(*e.instance, piece, &e, out);
  spend(out.size() - before + pieces.size());
}

ElementRef ChunkDocument::first_child(ElementRef parent, std::string_view name) {
  ElementRef found;
  for_each_child(parent, [&](ElementRef child) {
    if (child.element().name != name) return true;
    found = child;
    return false;
  });
  return found;
}

std::string ChunkDocument::text(ElementRef e) {
  // An XML parser makes one text node of each run of character data between child elements,
  // drops the runs that are only white space, and keeps a CDATA section as a node of its own.
  const Instance& instance = *e.instance;
  std::string run;
  bool substantial = false;
  for (const auto& item : e.element().content) {
    spend(1);
    const bool boundary = item.element != ContentItem::kPiece || item.piece.kind == Piece::Kind::CData ||
                          (item.piece.kind == Piece::Kind::Substitution &&
                           value_of(instance, item.piece).type == value_type::kBinXml &&
                           value_of(instance, item.piece).size > 0);
    if (boundary) {
      if (substantial) return normalise_line_ends(std::move(run));
      run.clear();
      if (item.element == ContentItem::kPiece && item.piece.kind == Piece::Kind::CData)
        return normalise_line_ends(item.piece.text);
      continue;
    }
    const Piece& piece = item.piece;
    const size_t before = run.size();
    append_piece(instance, piece, &e, run);
    spend(run.size() - before);
    if (piece.kind == Piece::Kind::Reference) substantial = true;  // written as &...; it is not white space
    for (size_t i = before; i < run.size() && !substantial; ++i) substantial = !is_xml_space(run[i]);
  }
  return substantial ? normalise_line_ends(std::move(run)) : std::string();
}

bool ChunkDocument::attribute(ElementRef e, std::string_view name, std::string& out) {
  for (const auto& a : e.element().attributes) {
    if (a.name != name) continue;
    // Windows leaves out an attribute whose value is only an optional substitution of a Null.
    bool present = a.value.empty();
    for (const auto& piece : a.value) {
      if (piece.kind != Piece::Kind::Substitution || !piece.optional ||
          value_of(*e.instance, piece).type != value_type::kNull) {
        present = true;
        break;
      }
    }
    if (!present) return false;
    out.clear();
    append_pieces(e, a.value, out);
    return true;
  }
  return false;
}

const Value* ChunkDocument::sole_content_value(ElementRef e) const {
  const auto& content = e.element().content;
  if (content.size() != 1 || content[0].element != ContentItem::kPiece ||
      content[0].piece.kind != Piece::Kind::Substitution)
    return nullptr;
  return &value_of(*e.instance, content[0].piece);
}

const Value* ChunkDocument::sole_attribute_value(ElementRef e, std::string_view name) const {
  for (const auto& a : e.element().attributes) {
    if (a.name != name) continue;
    if (a.value.size() != 1 || a.value[0].kind != Piece::Kind::Substitution) return nullptr;
    return &value_of(*e.instance, a.value[0]);
  }
  return nullptr;
}

}  // namespace authwatch::sources::evtx
