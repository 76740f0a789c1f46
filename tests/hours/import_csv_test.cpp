// The CSV parser of the hours import (src/hours/csv.cpp, C50, C52): RFC 4180 through
// libcsv, the byte-order mark, both delimiters, CRLF, header synonyms and explicit
// mappings, every row-level error in words, client names as initials only, the limits;
// and the staged plaintext's encoding (import_blob.cpp).
#include <gtest/gtest.h>

#include <string>

#include "hours/csv.hpp"
#include "hours/import_blob.hpp"

namespace alcove::hours {
namespace {

using crypto::PhiString;

ParsedCsv Parse(const std::string& text, const ColumnMapping& mapping = {}) {
  auto r = ParseImportCsv(PhiString(std::string(text)), mapping);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().internal + " / " + r.error().public_message);
  return r ? std::move(*r) : ParsedCsv{};
}

std::string Refusal(const std::string& text, const ColumnMapping& mapping = {}) {
  auto r = ParseImportCsv(PhiString(std::string(text)), mapping);
  EXPECT_FALSE(r.has_value());
  if (r) {
    return "";
  }
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().public_message;
}

// The one error of a file with the template's header and `row` under it.
std::string RowError(const std::string& row) {
  const ParsedCsv p = Parse("date,minutes,category,client,setting,telehealth,video,group_size,"
                            "phase\n" + row + "\n");
  EXPECT_EQ(p.errors.size(), 1u) << row;
  EXPECT_TRUE(p.rows.empty());
  return p.errors.empty() ? "" : p.errors.front().message;
}

Day D(int y, unsigned m, unsigned d) {
  return Day(std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(m),
                                         std::chrono::day(d)));
}

TEST(ImportCsv, TheTemplateReadsEveryColumn) {
  const ParsedCsv p = Parse(
      "date,minutes,category,client,setting,telehealth,video,group_size,phase\n"
      "2026-03-02,50,individual,J.D.,Valley Clinic,yes,,,post-degree\n"
      "2026-03-03,120,supervision_group,,Valley Clinic,,yes,6,pre-degree\n");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_TRUE(p.errors.empty());
  EXPECT_TRUE(p.missing.empty());
  EXPECT_EQ(p.data_rows, 2);
  EXPECT_EQ(p.headers.size(), 9u);
  EXPECT_EQ(p.mapping.at("date"), "date");
  EXPECT_EQ(p.mapping.at("group_size"), "group_size");
  const ImportRow& a = p.rows[0];
  EXPECT_EQ(a.row, 1);
  EXPECT_EQ(a.date, D(2026, 3, 2));
  EXPECT_EQ(a.minutes, 50);
  EXPECT_EQ(a.category, Category::kIndividual);
  EXPECT_EQ(a.alias, "J.D.");
  EXPECT_EQ(a.setting, "Valley Clinic");
  EXPECT_TRUE(a.telehealth);
  EXPECT_FALSE(a.video);
  EXPECT_EQ(a.pre_degree, std::optional<bool>(false));
  const ImportRow& b = p.rows[1];
  EXPECT_EQ(b.row, 2);
  EXPECT_EQ(b.category, Category::kSupervisionGroup);
  EXPECT_TRUE(b.video);
  EXPECT_EQ(b.group_size, std::optional<int>(6));
  EXPECT_EQ(b.pre_degree, std::optional<bool>(true));
}

TEST(ImportCsv, QuotedCellsDoubledQuotesAndEmbeddedNewlines) {
  const ParsedCsv p = Parse(
      "date,minutes,category,setting,notes\n"
      "2026-03-02,50,Individual,\"Valley Clinic, West\",\"said \"\"hello\"\"\nand more\"\n"
      "2026-03-03,60,Group,\"Line\nBreak\",x\n"
      "2026-03-04,45,Group,Plain,y\n");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].setting, "Valley Clinic, West");
  // The embedded newline is one row: the next record is row 2, not 3.
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].row, 2);
  EXPECT_EQ(p.errors[0].message,
            "row 2: the work setting's name holds a line break or a control character");
  EXPECT_EQ(p.rows[1].row, 3);
}

TEST(ImportCsv, ByteOrderMarkSemicolonsAndCrlf) {
  const ParsedCsv p = Parse(
      "\xEF\xBB\xBF" "Date;Hours;Type;Client\r\n"
      "03/02/2026;1,5;Individual Therapy;Ana Lima\r\n"
      "3/4/2026;0:45;Couples/Family;\r\n");
  ASSERT_EQ(p.rows.size(), 2u) << (p.errors.empty() ? "" : p.errors[0].message);
  EXPECT_EQ(p.headers.front(), "Date");  // the mark is not part of the first header
  EXPECT_EQ(p.rows[0].date, D(2026, 3, 2));
  EXPECT_EQ(p.rows[0].minutes, 90);
  EXPECT_EQ(p.rows[0].alias, "A.L.");
  EXPECT_EQ(p.rows[1].date, D(2026, 3, 4));
  EXPECT_EQ(p.rows[1].minutes, 45);
  EXPECT_EQ(p.rows[1].category, Category::kCouplesFamilyChildren);
  EXPECT_EQ(p.rows[1].alias, "");
}

TEST(ImportCsv, DetectsTheDelimiterFromTheHeaderLineOnly) {
  EXPECT_EQ(DetectDelimiter("a;b;c\n1,2,3,4,5,6\n"), ';');
  EXPECT_EQ(DetectDelimiter("a,b,c\n1;2;3;4\n"), ',');
  EXPECT_EQ(DetectDelimiter("\"a;b;c\",d\n"), ',');  // quoted semicolons do not count
  EXPECT_EQ(DetectDelimiter("date\n"), ',');
}

TEST(ImportCsv, TrackerHeadersAreRecognised) {
  const ParsedCsv p = Parse(
      "Session Date,Duration (min),Activity,Client Initials,Work Setting,Telehealth\n"
      "2026-03-02,50,Individual Supervision,,Valley,No\n"
      "2026-03-02,50,Triadic Supervision,,Valley,video\n"
      "2026-03-02,50,Workshop,,Valley,\n"
      "2026-03-02,50,Progress Notes,,Valley,\n"
      "2026-03-02,50,Client-Centered Advocacy,,Valley,\n"
      "2026-03-02,50,Psychological Testing,,Valley,\n"
      "2026-03-02,50,Non-clinical,,Valley,\n");
  ASSERT_EQ(p.rows.size(), 7u) << (p.errors.empty() ? "" : p.errors[0].message);
  EXPECT_EQ(p.mapping.at("date"), "Session Date");
  EXPECT_EQ(p.mapping.at("minutes"), "Duration (min)");
  EXPECT_EQ(p.mapping.at("category"), "Activity");
  EXPECT_EQ(p.mapping.at("client"), "Client Initials");
  EXPECT_EQ(p.mapping.at("setting"), "Work Setting");
  EXPECT_EQ(p.rows[0].category, Category::kSupervisionIndividual);
  EXPECT_FALSE(p.rows[0].video);
  EXPECT_EQ(p.rows[1].category, Category::kSupervisionTriadic);
  EXPECT_TRUE(p.rows[1].video);  // a telehealth column on supervision means video
  EXPECT_FALSE(p.rows[1].telehealth);
  EXPECT_EQ(p.rows[2].category, Category::kWorkshop);
  EXPECT_EQ(p.rows[3].category, Category::kNotesReports);
  EXPECT_EQ(p.rows[4].category, Category::kAdvocacy);
  EXPECT_EQ(p.rows[5].category, Category::kTesting);
  EXPECT_EQ(p.rows[6].category, Category::kOtherNonclinical);
}

TEST(ImportCsv, CategoryWords) {
  EXPECT_EQ(ParseCategory("Individual"), Category::kIndividual);
  EXPECT_EQ(ParseCategory("Individual Therapy (Telehealth)"), Category::kIndividual);
  EXPECT_EQ(ParseCategory("Couples/Family"), Category::kCouplesFamilyChildren);
  EXPECT_EQ(ParseCategory("Couples, Family & Children"), Category::kCouplesFamilyChildren);
  EXPECT_EQ(ParseCategory("couples_family_children"), Category::kCouplesFamilyChildren);
  EXPECT_EQ(ParseCategory("Group"), Category::kGroup);
  EXPECT_EQ(ParseCategory("Group Therapy"), Category::kGroup);
  EXPECT_EQ(ParseCategory("Individual Supervision"), Category::kSupervisionIndividual);
  EXPECT_EQ(ParseCategory("Triadic Supervision"), Category::kSupervisionTriadic);
  EXPECT_EQ(ParseCategory("Group Supervision (video)"), Category::kSupervisionGroup);
  EXPECT_EQ(ParseCategory("supervision_group"), Category::kSupervisionGroup);
  EXPECT_EQ(ParseCategory("Workshops/Trainings"), Category::kWorkshop);
  EXPECT_EQ(ParseCategory("other_nonclinical"), Category::kOtherNonclinical);
  EXPECT_EQ(ParseCategory("Supervision"), std::nullopt);  // which one?
  EXPECT_EQ(ParseCategory("Lunch"), std::nullopt);
  EXPECT_EQ(ParseCategory(""), std::nullopt);
}

TEST(ImportCsv, DatesAndLengths) {
  EXPECT_EQ(ParseImportDate("2026-03-02"), D(2026, 3, 2));
  EXPECT_EQ(ParseImportDate("2026/03/02"), D(2026, 3, 2));
  EXPECT_EQ(ParseImportDate("03/02/2026"), D(2026, 3, 2));
  EXPECT_EQ(ParseImportDate("3/2/2026"), D(2026, 3, 2));
  EXPECT_EQ(ParseImportDate("3/2/26"), D(2026, 3, 2));
  EXPECT_EQ(ParseImportDate("2/29/2028"), D(2028, 2, 29));
  EXPECT_EQ(ParseImportDate("2/29/2026"), std::nullopt);
  EXPECT_EQ(ParseImportDate("13/45/2026"), std::nullopt);
  EXPECT_EQ(ParseImportDate("2026-3-2"), std::nullopt);
  EXPECT_EQ(ParseImportDate("3/2/026"), std::nullopt);
  EXPECT_EQ(ParseImportDate("March 2"), std::nullopt);
  EXPECT_EQ(ParseHours("1.5", false), 90);
  EXPECT_EQ(ParseHours("1,5", true), 90);
  EXPECT_EQ(ParseHours("1.5", true), 90);
  EXPECT_EQ(ParseHours("1,5", false), std::nullopt);
  EXPECT_EQ(ParseHours("1:30", false), 90);
  EXPECT_EQ(ParseHours(".75", false), 45);
  EXPECT_EQ(ParseHours("2", false), 120);
  EXPECT_EQ(ParseHours("1.33", false), 80);  // 79.8 minutes, rounded
  EXPECT_EQ(ParseHours("1:75", false), std::nullopt);
  EXPECT_EQ(ParseHours("1.", false), std::nullopt);
  EXPECT_EQ(ParseHours("one", false), std::nullopt);
  EXPECT_EQ(ParseMinutes("50"), 50);
  EXPECT_EQ(ParseMinutes("1:05"), 65);
  EXPECT_EQ(ParseMinutes("50.5"), std::nullopt);
  EXPECT_EQ(ParseMinutes("-5"), std::nullopt);
}

TEST(ImportCsv, AnExplicitMappingWinsAndMayRefuseAGuess) {
  const std::string file =
      "When,Mins,What,Location,Who\n"
      "2026-03-02,50,Individual,Valley,Maria Garcia\n";
  // Nothing is guessable for the date or the category: the preview names them.
  ParsedCsv p = Parse(file);
  EXPECT_EQ(p.missing, (std::vector<std::string>{"date", "category"}));
  EXPECT_TRUE(p.rows.empty());
  EXPECT_EQ(p.headers, (std::vector<std::string>{"When", "Mins", "What", "Location", "Who"}));
  p = Parse(file, {{"date", "When"}, {"category", "what"}, {"client", "Who"},
                   {"setting", std::string(kNoColumn)}});
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].alias, "M.G.");
  EXPECT_EQ(p.rows[0].setting, "");  // "Location" was refused
  EXPECT_EQ(p.mapping.count("setting"), 0u);
  EXPECT_EQ(p.mapping.at("category"), "What");
  EXPECT_EQ(Refusal(file, {{"colour", "When"}}),
            "\xE2\x80\x9C" "colour\xE2\x80\x9D is not a column the import reads; those are date, "
            "minutes, hours, category, client, setting, telehealth, video, group_size, phase.");
  EXPECT_EQ(Refusal(file, {{"date", "Day of session"}}),
            "The file has no column named \xE2\x80\x9C" "Day of session\xE2\x80\x9D.");
}

TEST(ImportCsv, C50ClientNamesBecomeInitialsBeforeAnythingKeepsThem) {
  const ParsedCsv p = Parse(
      "date,minutes,category,client\n"
      "2026-03-02,50,individual,Xylophon Wurzelbaum\n"
      "2026-03-02,50,individual,\"Wurzelbaum, Xylophon\"\n"
      "2026-03-02,50,individual,JD\n"
      "2026-03-02,50,individual,j. d.\n"
      "2026-03-02,50.5,individual,Quentin Zebulon\n"
      "2026-03-02,50,individual,1234\n");
  ASSERT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.rows[0].alias, "X.W.");
  EXPECT_EQ(p.rows[1].alias, "W.X.");
  EXPECT_EQ(p.rows[2].alias, "J.D.");
  EXPECT_EQ(p.rows[3].alias, "J.D.");
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0].message, "row 5: 50.5 is not a number of minutes");
  EXPECT_EQ(p.errors[1].message,
            "row 6: the client cell cannot be turned into initials (write the initials, such as "
            "J.D.)");
  // Nothing the parser hands on holds a name.
  StagedImport staged{p.rows, p.errors, p.headers, p.mapping, ""};
  const std::string blob = EncodeStagedImport(staged);
  for (const char* part : {"Xylophon", "Wurzelbaum", "Quentin", "Zebulon", "1234"}) {
    EXPECT_EQ(blob.find(part), std::string::npos) << part;
  }
}

TEST(ImportCsv, ClientAliases) {
  auto alias = [](const char* cell) {
    auto r = ClientAlias(PhiString(std::string(cell)));
    return r ? *r : std::string("error");
  };
  EXPECT_EQ(alias(""), "");
  EXPECT_EQ(alias("  "), "");
  EXPECT_EQ(alias("J.D."), "J.D.");
  EXPECT_EQ(alias("J. D."), "J.D.");
  EXPECT_EQ(alias("j.d"), "J.D.");
  EXPECT_EQ(alias("JD"), "J.D.");
  EXPECT_EQ(alias("JDM"), "J.M.");  // first and last, as InitialsOf
  EXPECT_EQ(alias("Jo"), "J.");  // a name: its initial
  EXPECT_EQ(alias("Jo Do"), "J.D.");
  EXPECT_EQ(alias("JO DO"), "J.D.");
  EXPECT_EQ(alias("Mary-Jane van der Berg"), "M.B.");
  EXPECT_EQ(alias("?!"), "error");
  auto r = ClientAlias(PhiString(std::string("12345 Secret")));
  ASSERT_TRUE(r.has_value());  // digits are skipped: "Secret" gives the initial
  EXPECT_EQ(*r, "S.");
  r = ClientAlias(PhiString(std::string("9876")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().public_message.find("9876"), std::string::npos);
  EXPECT_EQ(r.error().internal.find("9876"), std::string::npos);
}

TEST(ImportCsv, EveryRowErrorInWords) {
  EXPECT_EQ(RowError("13/45/2026,50,individual,,,,,,"), "row 1: 13/45/2026 is not a date");
  EXPECT_EQ(RowError(",50,individual,,,,,,"), "row 1: the date is empty");
  EXPECT_EQ(RowError("Maria,50,individual,,,,,,"),
            "row 1: the date is not a date (write 2026-03-14 or 3/14/2026)");
  EXPECT_EQ(RowError("2026-03-02,,individual,,,,,,"),
            "row 1: the length is empty (minutes or hours)");
  EXPECT_EQ(RowError("2026-03-02,0,individual,,,,,,"),
            "row 1: the length is 0 minutes; an entry is at least 1 minute long");
  EXPECT_EQ(RowError("2026-03-02,1500,individual,,,,,,"),
            "row 1: 1500 minutes is longer than a day");
  EXPECT_EQ(RowError("2026-03-02,fifty,individual,,,,,,"),
            "row 1: the minutes are not a number");
  EXPECT_EQ(RowError("2026-03-02,50,,,,,,,"), "row 1: the category is empty");
  EXPECT_EQ(RowError("2026-03-02,50,Lunch,,,,,,"),
            "row 1: \xE2\x80\x9CLunch\xE2\x80\x9D is not a category we know (see the list of "
            "categories)");
  EXPECT_EQ(RowError("2026-03-02,50,Supervision,,,,,,"),
            "row 1: say which supervision it was: individual, triadic or group");
  EXPECT_EQ(RowError("2026-03-02,50,individual,,,maybe,,,"),
            "row 1: the telehealth cell is not yes or no");
  EXPECT_EQ(RowError("2026-03-02,50,supervision_group,,,,perhaps,,"),
            "row 1: the video cell is not yes or no");
  EXPECT_EQ(RowError("2026-03-02,50,supervision_group,,,,,100,"),
            "row 1: the group size 100 is not a whole number from 1 to 99");
  EXPECT_EQ(RowError("2026-03-02,50,supervision_group,,,,,many,"),
            "row 1: the group size is not a whole number from 1 to 99");
  EXPECT_EQ(RowError("2026-03-02,50,individual,,,,,,sometime"),
            "row 1: the phase is not \"pre-degree\" or \"post-degree\"");
  EXPECT_EQ(RowError("2026-03-02,50,individual,,,,,,,Extra"),
            "row 1: it has more cells than the header has columns (a , inside a cell needs "
            "quotes around the cell)");
  EXPECT_EQ(RowError("2026-03-02,50,individual,,\"" + std::string(121, 'a') + "\",,,,"),
            "row 1: the work setting's name is longer than 120 characters");
  // Hours: a column of its own.
  const ParsedCsv p = Parse("date,hours,category\n2026-03-02,1.5.5,individual\n");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].message, "row 1: 1.5.5 is not a number of hours (such as 1.5 or 1:30)");
}

TEST(ImportCsv, BlankSpreadsheetRowsAreSkippedAndRowsKeepTheirNumbers) {
  const ParsedCsv p = Parse("date,minutes,category\n2026-03-02,50,group\n,,\n"
                            "2026-03-02,5:75,group\n");
  EXPECT_EQ(p.data_rows, 2);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].row, 3);
  EXPECT_EQ(p.errors[0].message, "row 3: 5:75 is not a number of minutes");
}

TEST(ImportCsv, FilesThatAreRefusedInWords) {
  EXPECT_EQ(Refusal(""), "The file is empty.");
  EXPECT_EQ(Refusal("\xEF\xBB\xBF\r\n\r\n"), "The file is empty.");
  EXPECT_EQ(Refusal("date,minutes,category\n"), "The file has no rows under its header.");
  EXPECT_EQ(Refusal("date,minutes,category\n,,\n"), "The file has no rows under its header.");
  EXPECT_EQ(Refusal("\xFF\xFE" "d\0a"), "The file is in UTF-16. Save it as \"CSV UTF-8\" and try "
                                      "again.");
  EXPECT_EQ(Refusal("date,minutes,category\n2026-03-02,50,Caf\xE9\n"),
            "The file is not in UTF-8 (perhaps it was saved as plain \"CSV\" by an older "
            "spreadsheet). Save it as \"CSV UTF-8\" and try again.");
  EXPECT_EQ(Refusal(std::string("date,minutes\0,x\n", 16)),
            "This is not a CSV file: it holds binary data.");
  EXPECT_EQ(Refusal("date,minutes,category\n2026-03-02,50,\"open\n"),
            "Row 1 is not valid CSV: a quote inside a cell must be written twice (\"\"), and a "
            "cell that starts with a quote must end with one.");
  EXPECT_EQ(Refusal("da\"te,minutes\n1,2\n"),
            "The header row is not valid CSV: a quote inside a cell must be written twice (\"\"), "
            "and a cell that starts with a quote must end with one.");
  EXPECT_EQ(Refusal("2026-03-02,50,individual,Maria Garcia\n2026-03-03,50,group,\n"),
            "The first row holds data, not column names: add a header row such as "
            "date,minutes,category,client,setting (the template has one).");
  std::string wide;
  for (int i = 0; i < 201; ++i) {
    wide += "c" + std::to_string(i) + ",";
  }
  EXPECT_EQ(Refusal(wide + "\n"), "The file has more than 200 columns; is it the right file?");
}

TEST(ImportCsv, TheLimitsOfSizeAndRows) {
  std::string big = "date,minutes,category\n";
  big.resize(kMaxImportBytes + 1, '\n');
  EXPECT_EQ(Refusal(big), "The file is too large: at most 8 megabytes at once. Split it into "
                          "smaller files and import them one after the other.");
  std::string many = "date,minutes,category\n";
  for (std::size_t i = 0; i <= kMaxImportRows; ++i) {
    many += "2026-03-02,50,group\n";
  }
  ASSERT_LE(many.size(), kMaxImportBytes);
  EXPECT_EQ(Refusal(many), "The file has more than 50,000 rows; split it into smaller files and "
                           "import them one after the other.");
  many.erase(many.size() - std::string("2026-03-02,50,group\n").size());
  EXPECT_EQ(Parse(many).rows.size(), kMaxImportRows);
}

TEST(ImportCsv, NormalisedHeaders) {
  EXPECT_EQ(NormalizeHeader("Session Date"), "session date");
  EXPECT_EQ(NormalizeHeader("  Duration (min) "), "duration min");
  EXPECT_EQ(NormalizeHeader("group_size"), "group size");
  EXPECT_EQ(NormalizeHeader("Pre/Post-Degree"), "pre post degree");
}

TEST(ImportBlob, RoundTripsAndRefusesDamage) {
  StagedImport s;
  ImportRow r;
  r.row = 7;
  r.date = D(2026, 3, 2);
  r.minutes = 90;
  r.category = Category::kSupervisionGroup;
  r.setting = "Valley";
  r.alias = "J.D.";
  r.video = true;
  r.group_size = 5;
  r.pre_degree = false;
  s.rows = {r};
  s.errors = {ImportError{8, "row 8: x is not a number of minutes"}};
  s.headers = {"date", "minutes"};
  s.mapping = {{"date", "date"}};
  s.default_setting_id = "abc";
  const std::string bytes = EncodeStagedImport(s);
  auto back = DecodeStagedImport(bytes);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->rows.size(), 1u);
  EXPECT_EQ(back->rows[0].row, 7);
  EXPECT_EQ(back->rows[0].date, r.date);
  EXPECT_EQ(back->rows[0].minutes, 90);
  EXPECT_EQ(back->rows[0].category, Category::kSupervisionGroup);
  EXPECT_EQ(back->rows[0].setting, "Valley");
  EXPECT_EQ(back->rows[0].alias, "J.D.");
  EXPECT_TRUE(back->rows[0].video);
  EXPECT_FALSE(back->rows[0].telehealth);
  EXPECT_EQ(back->rows[0].group_size, std::optional<int>(5));
  EXPECT_EQ(back->rows[0].pre_degree, std::optional<bool>(false));
  EXPECT_EQ(back->errors[0].message, s.errors[0].message);
  EXPECT_EQ(back->headers, s.headers);
  EXPECT_EQ(back->mapping, s.mapping);
  EXPECT_EQ(back->default_setting_id, "abc");
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DecodeStagedImport(bytes.substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(DecodeStagedImport(bytes + "x").has_value());
}

}  // namespace
}  // namespace alcove::hours
