#pragma once
// Binary XML (MS-EVEN6 2.2.12 "BinXml"; libyal's "Windows XML Event Log (EVTX)" §3): the
// tokens of a record's event, compiled into element trees without writing any XML text.
//
// A chunk's templates are compiled once (cached by their offset in the chunk, as are element
// and attribute names) into a Fragment whose substitution slots stay open; a record is then a
// template instance: the template plus the record's array of substitution values, read only
// where a field is asked for. Values of type BinXml (UserData, nested events) hold fragments of
// their own, expanded in place when their parent's children are walked.
//
// Every byte is untrusted: reads are bounds-checked (FormatError names what ran short), element
// depth, BinXml nesting, values per instance and the text one record may expand to are bounded,
// and a template used inside its own values is reported as a loop instead of followed.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sources/evtx/bytes.hpp"

namespace authwatch::sources::evtx {

struct Limits {
  static constexpr int kElementDepth = 64;        // elements inside elements (real events: < 10)
  static constexpr int kValueNesting = 8;         // BinXml values inside BinXml values (real: 1-2)
  static constexpr size_t kValuesPerInstance = 8192;
  static constexpr size_t kExpansion = 8u << 20;  // text bytes + items one record may expand to
};

// One part of an element's character data or of an attribute's value.
struct Piece {
  enum class Kind : uint8_t { Text, Reference, CData, Substitution };
  Kind kind = Kind::Text;
  bool optional = false;  // an optional substitution: a Null value leaves its attribute out
  uint16_t index = 0;     // Substitution: which value of the template instance
  std::string text;       // Text, Reference (a character or entity reference), CData: UTF-8
};

struct Attribute {
  std::string name;
  std::vector<Piece> value;
};

struct ContentItem {
  static constexpr uint32_t kPiece = UINT32_MAX;
  uint32_t element = kPiece;  // a child element (index into Fragment::elements), or `piece`
  Piece piece;
};

struct Element {
  std::string name;
  std::vector<Attribute> attributes;
  std::vector<ContentItem> content;
  bool substituted = false;  // some content is a substitution: the element may be left out or repeated
};

// A template's body or a record's own elements, compiled: elements[roots[i]] are the top ones.
struct Fragment {
  std::vector<Element> elements;
  std::vector<uint32_t> roots;
  void clear() {
    elements.clear();
    roots.clear();
  }
};

// A substitution value: its type and where its bytes are in the chunk.
struct Value {
  uint8_t type = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
};

// A fragment with its values: a template instance, or a record's own elements (no values).
struct Instance {
  const Fragment* fragment = nullptr;
  std::vector<Value> values;
  uint32_t template_offset = 0;      // the template's chunk offset; 0 for a record's own elements
  const Instance* parent = nullptr;  // the instance whose BinXml value holds this one
  int nesting = 0;
};

// An element of an instance. An element whose content is an array substitution stands for one
// element per array item (as Windows writes it): `item` says which, with its substitution.
struct ElementRef {
  static constexpr uint32_t kWhole = UINT32_MAX;
  const Instance* instance = nullptr;
  uint32_t index = 0;
  uint32_t item = kWhole;
  uint16_t item_substitution = 0;
  explicit operator bool() const { return instance != nullptr; }
  const Element& element() const { return instance->fragment->elements[index]; }
};

// Decodes the records of one chunk. start_chunk() drops the previous chunk's caches; a
// decode_record() result (and every ElementRef reached from it) lives until the next call.
class ChunkDocument {
 public:
  ChunkDocument();
  ~ChunkDocument();
  ChunkDocument(const ChunkDocument&) = delete;
  ChunkDocument& operator=(const ChunkDocument&) = delete;

  void start_chunk(Bytes chunk);
  // The top elements of the BinXML in chunk bytes [begin, end). Throws FormatError.
  const std::vector<ElementRef>& decode_record(size_t begin, size_t end);

  // Children of `parent` in document order, BinXml values expanded in place. `visit` returns
  // false to stop. Throws FormatError (a nested fragment that cannot be read).
  template <class Visit>
  void for_each_child(ElementRef parent, Visit&& visit);
  ElementRef first_child(ElementRef parent, std::string_view name);

  // The element's first run of character data that is not only white space, as an XML parser
  // (pugixml's text()) gives it: line ends normalised to "\n", "" when there is none.
  std::string text(ElementRef e);
  // The attribute's value; false when the element has no such attribute (or only an optional
  // substitution whose value is Null).
  bool attribute(ElementRef e, std::string_view name, std::string& out);

  // The value of an element's content or of an attribute when that is exactly one substitution
  // (EventID, Level, EventRecordID, TimeCreated/@SystemTime in a template), so numbers and times
  // are read without a trip through text; nullptr otherwise.
  const Value* sole_content_value(ElementRef e) const;
  const Value* sole_attribute_value(ElementRef e, std::string_view name) const;
  Bytes bytes_of(const Value& v) const { return chunk_.subspan(v.offset, v.size); }

 private:
  struct TemplateEntry {
    std::unique_ptr<Fragment> fragment;
    std::string error;
  };
  struct Expansion {
    const Instance* instance;
    uint16_t index;
    std::vector<ElementRef> roots;
  };
  friend class FragmentCompiler;

  const std::string& name_at(uint32_t offset);
  const Fragment& template_at(uint32_t offset);
  void read_document(Cursor& cursor, const Instance* parent, int nesting, std::vector<ElementRef>& roots);
  Instance& read_template_instance(Cursor& cursor, const Instance* parent, int nesting);
  Instance& new_instance();
  Fragment& new_raw_fragment();
  const std::vector<ElementRef>& expand(const Instance& instance, uint16_t index);
  const Value& value_of(const Instance& instance, const Piece& piece) const;
  // Whether a substituted element is there at all (Windows leaves out one whose content is an
  // optional substitution of a Null) and, for an array substitution, as how many copies (then
  // `e.item` is set to 0 and `e.item_substitution` to the array's substitution).
  bool shape(ElementRef& e, size_t& copies);
  void append_piece(const Instance& instance, const Piece& piece, const ElementRef* item_of, std::string& out);
  void append_pieces(const ElementRef& e, const std::vector<Piece>& pieces, std::string& out);
  void spend(size_t amount);

  Bytes chunk_;
  std::unordered_map<uint32_t, std::string> names_;
  std::unordered_map<uint32_t, TemplateEntry> templates_;
  std::vector<std::unique_ptr<Instance>> instances_;  // reused record after record
  size_t instances_used_ = 0;
  std::vector<std::unique_ptr<Fragment>> raw_fragments_;
  size_t raw_fragments_used_ = 0;
  std::vector<std::unique_ptr<Expansion>> expansions_;  // stable: visitors hold their roots
  size_t expansions_used_ = 0;
  std::vector<ElementRef> roots_;
  size_t spent_ = 0;
};

template <class Visit>
void ChunkDocument::for_each_child(ElementRef parent, Visit&& visit) {
  const Element& element = parent.element();
  for (const auto& item : element.content) {
    spend(1);
    if (item.element != ContentItem::kPiece) {
      ElementRef child{parent.instance, item.element};
      if (!child.element().substituted) {
        if (!visit(child)) return;
        continue;
      }
      size_t copies = 1;
      if (!shape(child, copies)) continue;  // left out: an optional substitution of a Null
      if (child.item == ElementRef::kWhole) {
        if (!visit(child)) return;
        continue;
      }
      for (uint32_t i = 0; i < copies; ++i) {
        child.item = i;
        if (!visit(child)) return;
      }
      continue;
    }
    if (item.piece.kind != Piece::Kind::Substitution) continue;
    const Value& value = value_of(*parent.instance, item.piece);
    if (value.type != 0x21 || value.size == 0) continue;  // BinXml: elements of its own
    for (const auto& root : expand(*parent.instance, item.piece.index))
      if (!visit(root)) return;
  }
}

}  // namespace authwatch::sources::evtx
