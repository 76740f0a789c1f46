// End to end in headless Chromium (tests/e2e/walk.hpp): a consented session recording and
// what is made from it (issues #18 and #19; docs/recordings.md, docs/ai.md). The
// therapist's browser has a fake microphone playing speech made by espeak-ng. The
// therapist invites a client to the portal and creates a recording of a session with the
// two of them: the recorder does not start while consent is missing (C05). The client, on
// their phone, reads the consent text in the portal and agrees; the therapist documents
// their own consent, records 20 seconds, stops and plays it back. The recording is
// transcribed on the server (the local provider) and a summary drafted from the
// transcript, which opens among the client's summaries as an AI draft with the transcript
// beside it; the /ai page says nothing leaves the server (C54). Then the client withdraws
// in the portal (C04): the record says "Recording withdrawn on …", the audio answers 410
// and the unreviewed draft is gone. Every step ends with screenshots at 1280 and 390 px
// (<build>/e2e-screenshots/recording-walk/, the client's under client/) and axe-core at
// WCAG 2.2 AA, which must find nothing; the client's name is in no page title or address
// (C01).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "e2e/walk.hpp"
#include "support/spoken_audio.hpp"

namespace alcove::testing {
namespace {

constexpr const char* kSpeech =
    "We talked about the sleep diary and the evening walk. The walk helps on most days. "
    "Next week we plan the weekends, and we look at the diary again.";

// Scrolls the element `id` into the middle of the view, for the step's screenshot.
void ShowElement(WebDriverSession& browser, const std::string& id) {
  (void)browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "document.getElementById(arguments[0]).scrollIntoView({block: 'center'}); done(0);",
      json::array{json::value(id)});
}

// The length in seconds of the audio at `url`, decoded by the browser (a MediaRecorder
// WebM states no length of its own), or the HTTP status when it is not 200.
std::string DecodedSeconds(WebDriverSession& browser, const std::string& url) {
  auto r = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "fetch(arguments[0], {credentials: 'same-origin'}).then(async (res) => {"
      "  if (res.status !== 200) { done('status ' + res.status); return; }"
      "  const bytes = await res.arrayBuffer();"
      "  const ctx = new OfflineAudioContext(1, 16000, 16000);"
      "  const audio = await ctx.decodeAudioData(bytes);"
      "  done(String(audio.duration));"
      "}).catch((e) => done('error ' + e));",
      json::array{json::value(url)});
  if (!r) {
    return "<" + r.error() + ">";
  }
  return r->is_string() ? std::string(r->as_string()) : json::serialize(*r);
}

TEST(BrowserEndToEnd,
     C05_C04_ConsentedSessionIsRecordedTranscribedDraftedAndGoneWhenTheClientWithdraws) {
  TempDir audio;
  const fs::path wav = audio / "speech.wav";
  ASSERT_TRUE(Speak(kSpeech, wav)) << "espeak-ng could not make the fake microphone's speech";
  BrowserRig rig("recording-walk", {.server = {}, .fake_microphone = wav});
  ALCOVE_START_BROWSER_RIG(rig);
  Walk& walk = *rig.walk;
  WebDriverSession& browser = *rig.browser;
  const ServerProcess& server = rig.server;
  const std::string origin = server.origin();

  const std::string first = "Rosalind";
  const std::string last = "Quillfeather";
  const std::string client_email = "rosalind.q@example.net";

  // 1. The therapist signs up and adds a client with an email address, invited to the portal.
  ASSERT_TRUE(SignUpWithCode(walk, server, "Ravi Recorder", "ravi.recorder@example.org"));
  ASSERT_TRUE(walk.Go(origin + "/clients"));
  ASSERT_TRUE(walk.WaitForPage("Clients"));
  ASSERT_TRUE(walk.Fill("form[action='/clients'] input[name='name']", first + " " + last));
  ASSERT_TRUE(walk.ClickCss("form[action='/clients'] button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, "Client added."));
  const std::string record = browser.Url().substr(0, browser.Url().find('?'));
  ASSERT_TRUE(walk.Click("link text", "Edit profile"));
  ASSERT_TRUE(walk.Fill("input[name='email']", client_email));
  ASSERT_TRUE(walk.Click("xpath", "//button[normalize-space()='Save profile']"));
  ASSERT_TRUE(walk.WaitForPage(first + " " + last, client_email));
  ASSERT_TRUE(walk.Go(record + "/portal"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Not invited"));
  ASSERT_TRUE(walk.ClickCss("button#portal-invite"));
  ASSERT_TRUE(walk.WaitForPage("Client portal", "Invitation sent"));
  const auto mail = MailFor(server, client_email);
  ASSERT_TRUE(mail.has_value()) << server.Stdout();
  SecondBrowser second(rig, "recording-walk", "client");
  ASSERT_TRUE(second.error.empty()) << second.error;
  WebDriverSession& phone = *second.session;
  Walk& client = *second.walk;
  ASSERT_TRUE(client.Go(mail->link));
  ASSERT_TRUE(WaitUntil([&] {
    auto b = phone.Css("button#accept-button");
    return b.has_value() && phone.Displayed(*b);
  }));
  ASSERT_TRUE(client.ClickCss("button#accept-button"));
  ASSERT_TRUE(client.WaitForPage("Your portal", "Welcome. You are signed in"));

  // 2. A recording of a session with the two of them, from the record's Recordings tab.
  ASSERT_TRUE(walk.Go(record + "/recordings"));
  ASSERT_TRUE(walk.WaitForPage("Recordings", "No recordings yet."));
  walk.ExpectNotShown(last, true, "recordings tab");
  walk.EndStep("recordings-tab");
  ASSERT_TRUE(walk.Fill("#recording-title", "Session 4"));
  ASSERT_TRUE(walk.ClickCss("button#recording-create"));
  ASSERT_TRUE(walk.WaitForPage("Session 4", "Who is in it, and their consent"));
  const std::string page = browser.Url().substr(0, browser.Url().find('?'));
  const std::string rid = page.substr(page.rfind('/') + 1);
  ASSERT_TRUE(page.ends_with("/recordings/" + rid)) << page;
  EXPECT_NE(walk.TextOf("#consent-missing")
                .find("Still waiting for consent from: you, R.Q. (in the portal)"),
            std::string::npos)
      << walk.TextOf("#consent-missing");
  {
    auto disabled = browser.ExecuteAsync(
        "arguments[arguments.length - 1](document.getElementById('recorder-start').disabled);");
    ASSERT_TRUE(disabled.has_value()) << disabled.error();
    EXPECT_TRUE(disabled->is_bool() && disabled->as_bool())
        << "no recorder before every consent (C05)";
  }
  walk.ExpectNotShown(last, true, "recording page");
  walk.EndStep("consent-missing");

  // 3. The client reads the consent text in the portal and agrees.
  ASSERT_TRUE(client.Go(origin + "/portal/recordings"));
  ASSERT_TRUE(client.WaitForPage("Session recordings", "Waiting for your answer"));
  client.ExpectNotShown(last, false, "portal recordings");
  client.EndStep("consent-asked");
  ASSERT_TRUE(client.ClickCss("#consent-waiting a"));
  ASSERT_TRUE(client.WaitForPage("Recording of a session", "What you are asked to agree to"));
  EXPECT_NE(client.TextOf("#consent-text").find("/ai"), std::string::npos)
      << "the consent text points to the AI transparency page";
  client.EndStep("consent-text");
  ASSERT_TRUE(client.ClickCss("button#consent-agree"));
  ASSERT_TRUE(client.WaitForPage("Recording of a session", "You agreed"));
  client.EndStep("consent-given");

  // 4. The therapist documents their own consent; the recorder starts.
  ASSERT_TRUE(walk.Go(page));
  ASSERT_TRUE(walk.WaitForPage("Session 4", "Who is in it, and their consent"));
  ASSERT_TRUE(walk.ClickCss("form.consent-form button[type='submit']"));
  ASSERT_TRUE(walk.WaitForPage("Session 4", "Everyone consented; not recorded yet"));
  EXPECT_FALSE(browser.Css("#consent-missing").has_value());
  walk.EndStep("consented");
  ASSERT_TRUE(walk.ClickCss("button#recorder-start"));
  ASSERT_TRUE(WaitUntil([&] {
    auto live = browser.Css("#recorder-live");
    return live.has_value() && browser.Displayed(*live);
  })) << walk.TextOf("#recorder-status");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_NE(walk.TextOf("#recorder-status").find("Recording."), std::string::npos)
      << walk.TextOf("#recorder-status");
  ShowElement(browser, "recorder-live");
  walk.EndStep("recording");  // the indicator and the clock
  std::this_thread::sleep_for(std::chrono::seconds(17));
  ASSERT_TRUE(walk.ClickCss("button#recorder-stop"));
  ASSERT_TRUE(WaitUntil([&] {
    return walk.TextOf("#recorder-status").find("Saved.") != std::string::npos;
  })) << walk.TextOf("#recorder-status");

  // 5. Review: the stored audio plays, and it is the 20 seconds recorded.
  ASSERT_TRUE(WaitUntil([&] {
    auto review = browser.Css("#recording-review");
    return review.has_value() && browser.Displayed(*review);
  }));
  const std::string seconds = DecodedSeconds(browser, "/api/v1/recordings/" + rid + "/audio");
  const double length = std::atof(seconds.c_str());
  EXPECT_GT(length, 18.0) << seconds;
  EXPECT_LT(length, 30.0) << seconds;
  auto played = browser.ExecuteAsync(
      "const done = arguments[arguments.length - 1];"
      "const a = document.getElementById('recording-playback');"
      "a.play().then(() => setTimeout(() => { a.pause(); done(a.currentTime); }, 1500))"
      "  .catch((e) => done('error ' + e));");
  ASSERT_TRUE(played.has_value()) << played.error();
  EXPECT_TRUE(played->is_number() && played->to_number<double>() > 0.5) << json::serialize(*played);
  ShowElement(browser, "recording-review");
  walk.EndStep("review");

  // 6. Transcribed on the server, progress shown in the page, the transcript beside it.
  ASSERT_TRUE(walk.Go(page));
  ASSERT_TRUE(walk.WaitForPage("Session 4", "Transcript and drafted summary"));
  ShowElement(browser, "ai-panel");
  walk.EndStep("ai-panel");
  ASSERT_TRUE(walk.ClickCss("button#ai-transcribe"));
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto box = browser.Css("#ai-transcript-box");
        return box.has_value() && browser.Displayed(*box);
      },
      std::chrono::seconds(120)))
      << walk.TextOf("#ai-status");
  EXPECT_FALSE(walk.TextOf("#ai-transcript").empty());
  ShowElement(browser, "ai-transcript-box");
  walk.EndStep("transcribed");

  // 7. A summary drafted from it, opened among the client's summaries as an AI draft.
  ASSERT_TRUE(walk.ClickCss("button#ai-draft"));
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto link = browser.Css("#ai-draft-link");
        return link.has_value() && browser.Displayed(*link);
      },
      std::chrono::seconds(60)))
      << walk.TextOf("#ai-status");
  ShowElement(browser, "ai-draft-link");
  walk.EndStep("drafted");
  ASSERT_TRUE(walk.ClickCss("a#ai-draft-open"));
  ASSERT_TRUE(WaitUntil([&] { return browser.Css("#summary-origin").has_value(); }));
  EXPECT_NE(walk.TextOf("#summary-origin").find("AI-drafted from the recording of"),
            std::string::npos);
  EXPECT_FALSE(walk.TextOf("#summary-transcript").empty());
  const std::string draft = browser.Url();
  walk.ExpectNotShown(last, true, "drafted summary");
  walk.EndStep("draft-summary");

  // 8. The transparency page: nothing leaves this server (C54).
  ASSERT_TRUE(walk.Go(origin + "/ai"));
  ASSERT_TRUE(WaitUntil([&] {
    return walk.TextOf("main").find("Nothing leaves this server") != std::string::npos;
  })) << walk.TextOf("main");
  walk.EndStep("ai-transparency");

  // 9. The client withdraws in the portal (C04).
  ASSERT_TRUE(client.Go(origin + "/portal/recordings/" + rid));
  ASSERT_TRUE(client.ClickCss("a#consent-withdraw"));
  ASSERT_TRUE(client.WaitForPage("Withdraw your consent", "will be destroyed"));
  client.EndStep("withdraw-confirm");
  ASSERT_TRUE(client.ClickCss("button#consent-withdraw-confirm"));
  ASSERT_TRUE(client.WaitForPage("Session recordings", "Your consent is withdrawn."));
  EXPECT_NE(client.TextOf("#consent-withdrawn").find("Recording withdrawn on"), std::string::npos);
  client.EndStep("withdrawn");

  // 10. The record says so; the audio is gone (410) and so is the unreviewed draft.
  ASSERT_TRUE(walk.Go(record + "/recordings"));
  ASSERT_TRUE(walk.WaitForPage("Recordings", "Recording withdrawn on"));
  walk.EndStep("record-withdrawn");
  EXPECT_EQ(DecodedSeconds(browser, "/api/v1/recordings/" + rid + "/audio"), "status 410");
  ASSERT_TRUE(walk.Go(page));
  // Its title went with it: the page names the recording by its date now.
  ASSERT_TRUE(WaitUntil([&] {
    return walk.TextOf("#recording-withdrawn").find("Recording withdrawn on") != std::string::npos;
  })) << walk.TextOf("main");
  EXPECT_EQ(walk.TextOf("main").find("Session 4"), std::string::npos);
  walk.EndStep("recording-withdrawn");
  ASSERT_TRUE(walk.Go(draft));
  ASSERT_TRUE(WaitUntil([&] { return !browser.Css("#summary-origin").has_value(); }));
  EXPECT_EQ(walk.TextOf("main").find("AI-drafted"), std::string::npos) << walk.TextOf("main");
}

}  // namespace
}  // namespace alcove::testing
