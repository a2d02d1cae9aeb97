// lessons_tool::resolve_lesson_blocks: keep lesson NN's branches, drop the markers (issue 14).
#include "src/lessons_tool/lesson_blocks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace duplex::lessons_tool {

namespace {

enum class Directive { kNone, kIf, kElif, kElse, kEndif };

// A lesson condition: `>= n` or `< n`.
struct Condition {
  bool at_least = true;
  int lesson = 0;
};

// One line read as a directive. `lesson` is set when the condition is a lesson condition;
// `mentions_lesson` when the line names the lesson level in a form the tool does not accept.
struct Parsed {
  Directive directive = Directive::kNone;
  bool foreign = false;  // a preprocessor conditional that is not a lesson marker
  std::optional<Condition> lesson;
  bool malformed = false;
  std::string_view word;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view take_word(std::string_view& s) {
  s = trim(s);
  std::size_t end = 0;
  while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_'))
    ++end;
  std::string_view word = s.substr(0, end);
  s.remove_prefix(end);
  return word;
}

// "<subject> >= 12" or "<subject> < 12", nothing after.
std::optional<Condition> parse_condition(std::string_view rest, std::string_view subject,
                                         bool allow_note) {
  std::string_view word = take_word(rest);
  if (word != subject) return std::nullopt;
  rest = trim(rest);
  Condition condition;
  if (rest.starts_with(">=")) {
    rest.remove_prefix(2);
  } else if (rest.starts_with("<") && !rest.starts_with("<=")) {
    condition.at_least = false;
    rest.remove_prefix(1);
  } else {
    return std::nullopt;
  }
  rest = trim(rest);
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), condition.lesson);
  if (ec != std::errc()) return std::nullopt;
  std::string_view note = rest.substr(static_cast<std::size_t>(end - rest.data()));
  // A Makefile marker may say why after the number: `# @if lesson >= 12: the pool`.
  if (!note.empty() && !(allow_note && (note[0] == ' ' || note[0] == ':'))) return std::nullopt;
  return condition;
}

Directive directive_named(std::string_view word) {
  if (word == "if") return Directive::kIf;
  if (word == "elif") return Directive::kElif;
  if (word == "else") return Directive::kElse;
  if (word == "endif") return Directive::kEndif;
  return Directive::kNone;
}

Parsed parse_preprocessor(std::string_view line) {
  Parsed parsed;
  line = trim(line);
  if (!line.starts_with('#')) return parsed;
  line.remove_prefix(1);
  std::string_view word = take_word(line);
  if (auto comment = line.find("//"); comment != std::string_view::npos)
    line = line.substr(0, comment);
  bool mentions = line.find("DUPLEX_LESSON") != std::string_view::npos;
  parsed.word = word;
  if (word == "ifdef" || word == "ifndef") {
    parsed.directive = Directive::kIf;
    parsed.foreign = true;
    parsed.malformed = mentions;
    return parsed;
  }
  if (word == "elifdef" || word == "elifndef") {
    parsed.directive = Directive::kElif;
    parsed.foreign = true;
    parsed.malformed = mentions;
    return parsed;
  }
  parsed.directive = directive_named(word);
  if (parsed.directive == Directive::kIf || parsed.directive == Directive::kElif) {
    parsed.lesson = parse_condition(line, "DUPLEX_LESSON", false);
    parsed.foreign = !parsed.lesson;
    parsed.malformed = !parsed.lesson && mentions;
  }
  return parsed;
}

Parsed parse_hash_comment(std::string_view line) {
  Parsed parsed;
  line = trim(line);
  if (!line.starts_with("# @")) return parsed;
  line.remove_prefix(3);
  std::string_view word = take_word(line);
  parsed.word = word;
  parsed.directive = directive_named(word);
  if (parsed.directive == Directive::kIf || parsed.directive == Directive::kElif) {
    parsed.lesson = parse_condition(line, "lesson", true);
    parsed.malformed = !parsed.lesson;
  }
  return parsed;
}

// `<!-- @if lesson >= 12 -->`: the Makefile form inside a whole-line HTML comment.
Parsed parse_html_comment(std::string_view line) {
  Parsed parsed;
  bool unterminated = false;
  std::optional<std::string_view> inner = html_comment_text(line, unterminated);
  if (unterminated) {
    // `<!-- @endif` without `-->` would hide the rest of the page in the rendered Markdown.
    std::string_view rest = trim(line);
    rest.remove_prefix(4);
    rest = trim(rest);
    if (rest.starts_with('@')) {
      rest.remove_prefix(1);
      parsed.word = take_word(rest);
      parsed.directive = directive_named(parsed.word);
      parsed.malformed = parsed.directive != Directive::kNone;
    }
    return parsed;
  }
  if (!inner || !inner->starts_with('@')) return parsed;
  std::string_view rest = inner->substr(1);
  std::string_view word = take_word(rest);
  parsed.word = word;
  parsed.directive = directive_named(word);
  if (parsed.directive == Directive::kIf || parsed.directive == Directive::kElif) {
    parsed.lesson = parse_condition(rest, "lesson", true);
    parsed.malformed = !parsed.lesson;
  }
  return parsed;
}

// Levels [floor, ceiling) a branch can be reached at. Lessons are numbered 1..kNewestLesson.
struct Range {
  int floor = 1;
  int ceiling = kNewestLesson + 1;
  bool empty() const { return floor >= ceiling; }
};

struct Frame {
  bool lesson = false;
  int open_line = 0;
  bool parent_keeps = true;
  bool taken = false;  // a branch of this block has been chosen for the level
  bool keeps = true;   // the current branch's lines are kept
  bool seen_else = false;
  Range parent_range;
  Range rest;    // the levels no earlier branch took
  Range branch;  // the levels the current branch is reached at
};

std::string describe(const Condition& c) {
  return std::string(c.at_least ? ">= " : "< ") + std::to_string(c.lesson);
}

std::string describe(const Range& r) {
  if (r.empty()) return "no lesson";
  return "lessons " + std::to_string(r.floor) + ".." + std::to_string(r.ceiling - 1);
}

class Resolver {
 public:
  Resolver(MarkerSyntax syntax, int level, int file_lesson)
      : syntax_(syntax), level_(level), top_range_{std::max(1, file_lesson), kNewestLesson + 1} {}

  void line(std::string_view text, int number) {
    if (syntax_ == MarkerSyntax::kHtmlComment && fences_.in_code(text)) {
      emit_if_kept(text);
      return;
    }
    Parsed parsed = syntax_ == MarkerSyntax::kPreprocessor  ? parse_preprocessor(text)
                    : syntax_ == MarkerSyntax::kHashComment ? parse_hash_comment(text)
                                                            : parse_html_comment(text);
    if (parsed.malformed) {
      error(number, malformed_message());
      // An unclosed `<!-- @endif` or `<!-- @else` still says what it is: read it as that.
      if (parsed.directive == Directive::kElse || parsed.directive == Directive::kEndif) {
        Parsed understood = parsed;
        understood.malformed = false;
        dispatch(understood, text, number);
        return;
      }
      // Read on as a foreign conditional so that one bad marker gives one error, not two.
      if (parsed.directive == Directive::kIf) {
        Parsed foreign = parsed;
        foreign.foreign = true;
        foreign.lesson.reset();
        open(foreign, text, number);
      } else {
        emit_if_kept(text);
      }
      return;
    }
    dispatch(parsed, text, number);
  }

  void dispatch(const Parsed& parsed, std::string_view text, int number) {
    switch (parsed.directive) {
      case Directive::kNone:
        emit_if_kept(text);
        return;
      case Directive::kIf:
        open(parsed, text, number);
        return;
      case Directive::kElif:
        elif (parsed, text, number);
        return;
      case Directive::kElse:
        otherwise(text, number);
        return;
      case Directive::kEndif:
        close(text, number);
        return;
    }
  }

  BlockResolution finish() {
    for (const Frame& frame : stack_) {
      if (frame.lesson) error(frame.open_line, "lesson block has no matching end marker");
    }
    return {std::move(out_), std::move(errors_)};
  }

 private:
  std::string malformed_message() const {
    switch (syntax_) {
      case MarkerSyntax::kPreprocessor:
        return "unsupported lesson condition: use `#if DUPLEX_LESSON >= NN`, "
               "`#if DUPLEX_LESSON < NN` or `#elif DUPLEX_LESSON >= NN`";
      case MarkerSyntax::kHtmlComment:
        return "unsupported lesson marker: use `<!-- @if lesson >= NN -->`, "
               "`<!-- @if lesson < NN -->`, `<!-- @elif lesson >= NN -->`, `<!-- @else -->` or "
               "`<!-- @endif -->`";
      default:
        return "unsupported lesson marker: use `# @if lesson >= NN`, `# @if lesson < NN`, "
               "`# @elif lesson >= NN`, `# @else` or `# @endif`";
    }
  }

  bool keeping() const { return stack_.empty() || stack_.back().keeps; }
  Range range() const { return stack_.empty() ? top_range_ : stack_.back().branch; }

  void emit_if_kept(std::string_view text) {
    if (keeping()) out_ += text;
  }

  void error(int line, std::string message) { errors_.push_back({line, std::move(message)}); }

  bool valid_number(const Condition& c, int number) {
    if (c.lesson >= 1 && c.lesson <= kNewestLesson) return true;
    error(number,
          "lesson " + std::to_string(c.lesson) + " is outside 1.." + std::to_string(kNewestLesson));
    return false;
  }

  // Narrows `frame` to the branch `c` and complains when that branch is always or never taken.
  void enter_branch(Frame& frame, const Condition& c, int number) {
    Range yes = frame.rest;
    Range no = frame.rest;
    if (c.at_least) {
      yes.floor = std::max(yes.floor, c.lesson);
      no.ceiling = std::min(no.ceiling, c.lesson);
    } else {
      yes.ceiling = std::min(yes.ceiling, c.lesson);
      no.floor = std::max(no.floor, c.lesson);
    }
    if (yes.empty()) {
      error(number, "`" + describe(c) + "` is never true here (reached only in " +
                        describe(frame.rest) + ")");
    } else if (no.empty()) {
      error(number, "`" + describe(c) + "` is always true here (reached only in " +
                        describe(frame.rest) + ")");
    }
    bool holds = c.at_least ? level_ >= c.lesson : level_ < c.lesson;
    frame.keeps = frame.parent_keeps && !frame.taken && holds;
    frame.taken = frame.taken || holds;
    frame.branch = yes;
    frame.rest = no;
  }

  void open(const Parsed& parsed, std::string_view text, int number) {
    Frame frame;
    frame.open_line = number;
    frame.parent_keeps = keeping();
    frame.parent_range = range();
    frame.rest = frame.branch = frame.parent_range;
    if (parsed.foreign) {
      frame.keeps = frame.parent_keeps;
      stack_.push_back(frame);
      emit_if_kept(text);
      return;
    }
    frame.lesson = true;
    if (valid_number(*parsed.lesson, number)) {
      enter_branch(frame, *parsed.lesson, number);
    } else {
      frame.keeps = false;
    }
    stack_.push_back(frame);
  }

  void elif (const Parsed& parsed, std::string_view text, int number) {
    if (stack_.empty()) {
      error(number, "`elif` without an open block");
      return;
    }
    Frame& frame = stack_.back();
    if (!frame.lesson) {
      if (parsed.lesson) {
        error(number, "a lesson `elif` cannot continue the foreign #if of line " +
                          std::to_string(frame.open_line));
      }
      if (frame.parent_keeps) out_ += text;
      return;
    }
    if (!parsed.lesson || !parsed.lesson->at_least) {
      error(number, "the `elif` of a lesson block must test `>= NN` (block opened at line " +
                        std::to_string(frame.open_line) + ")");
      frame.keeps = false;
      return;
    }
    if (frame.seen_else) error(number, "`elif` after `else`");
    if (valid_number(*parsed.lesson, number)) enter_branch(frame, *parsed.lesson, number);
  }

  void otherwise(std::string_view text, int number) {
    if (stack_.empty()) {
      error(number, "`else` without an open block");
      return;
    }
    Frame& frame = stack_.back();
    if (!frame.lesson) {
      if (frame.parent_keeps) out_ += text;
      return;
    }
    if (frame.seen_else)
      error(number, "second `else` in the block opened at line " + std::to_string(frame.open_line));
    frame.seen_else = true;
    if (frame.rest.empty()) {
      error(number, "this `else` is never reached: the branches above cover " +
                        describe(frame.parent_range));
    }
    frame.keeps = frame.parent_keeps && !frame.taken;
    frame.taken = true;
    frame.branch = frame.rest;
  }

  void close(std::string_view text, int number) {
    if (stack_.empty()) {
      error(number, "`endif` without an open block");
      return;
    }
    Frame frame = stack_.back();
    stack_.pop_back();
    if (!frame.lesson && frame.parent_keeps) out_ += text;
  }

  MarkerSyntax syntax_;
  MarkdownFences fences_;
  int level_;
  Range top_range_;
  std::vector<Frame> stack_;
  std::string out_;
  std::vector<MarkerError> errors_;
};

}  // namespace

BlockResolution resolve_lesson_blocks(std::string_view text, MarkerSyntax syntax, int level,
                                      int file_lesson) {
  if (syntax == MarkerSyntax::kNone) return {std::string(text), {}};
  Resolver resolver(syntax, level, file_lesson);
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::size_t length = end == std::string_view::npos ? text.size() : end + 1;
    resolver.line(text.substr(0, length), ++number);
    text.remove_prefix(length);
  }
  return resolver.finish();
}

}  // namespace duplex::lessons_tool
