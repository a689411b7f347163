-- netcrawl's default Splash script (NETCRAWL_SPLASH_LUA_SOURCE = "scroll_and_load_more.lua").
--
-- Store locators often show the first few places and fetch the rest when the visitor
-- scrolls to the bottom (infinite scroll) or clicks a "load more" / "show more" button.
-- This script loads the page, then repeats, at most args.max_rounds times: scroll to the
-- bottom, click the first visible "load more" control, wait args.round_wait seconds. It
-- stops as soon as a round changes nothing (no click and the page did not grow), and
-- returns the final HTML as text/html so Scrapy sees an ordinary HTML response.
--
-- Arguments (all optional; netcrawl sends url, headers, wait, viewport and
-- NETCRAWL_SPLASH_SCRIPT_ARGS):
--   wait                 seconds to wait after the page loaded (default 0.5)
--   viewport             "WIDTHxHEIGHT" or "full" (default: Splash's 1024x768)
--   load_more_selector   CSS selector of the "load more" control; when absent, buttons
--                        and links whose text or aria-label says "load/show/view more",
--                        "more results"/"more stores"... are clicked
--   max_rounds           scroll/click rounds at most (default 10)
--   round_wait           seconds to wait after each round (default 0.4)

local FIND_AND_CLICK = [[
function (selector) {
  var candidates = selector
    ? Array.prototype.slice.call(document.querySelectorAll(selector))
    : Array.prototype.slice.call(document.querySelectorAll(
        "button, a, [role=button], input[type=button], input[type=submit]"))
        .filter(function (el) {
          var label = (el.innerText || el.value || el.getAttribute("aria-label") || "");
          return /\b(load|show|view|see)\s+more\b|\bmore\s+(results|stores|locations|places|branches)\b/i
            .test(label);
        });
  for (var i = 0; i < candidates.length; i++) {
    var el = candidates[i];
    var style = window.getComputedStyle(el);
    if (el.disabled || style.display === "none" || style.visibility === "hidden"
        || el.offsetParent === null) { continue; }
    el.scrollIntoView();
    el.click();
    return true;
  }
  return false;
}
]]

local PAGE_SIZE = [[
function () {
  return document.body ? document.body.innerHTML.length : 0;
}
]]

local function set_viewport(splash, viewport)
  if viewport and viewport ~= "full" then
    -- string.match is not in Splash's Lua sandbox; string.find returns the captures too.
    local _, _, width, height = string.find(viewport, "^(%d+)x(%d+)$")
    if width then
      splash:set_viewport_size(tonumber(width), tonumber(height))
    end
  end
end

function main(splash, args)
  set_viewport(splash, args.viewport)
  assert(splash:go{args.url, headers=args.headers})
  assert(splash:wait(tonumber(args.wait) or 0.5))

  local find_and_click = splash:jsfunc(FIND_AND_CLICK)
  local page_size = splash:jsfunc(PAGE_SIZE)
  local max_rounds = tonumber(args.max_rounds) or 10
  local round_wait = tonumber(args.round_wait) or 0.4

  for _ = 1, max_rounds do
    local size_before = page_size()
    splash:runjs("window.scrollTo(0, document.body ? document.body.scrollHeight : 0);")
    local clicked = find_and_click(args.load_more_selector)
    assert(splash:wait(round_wait))
    if not clicked and page_size() == size_before then
      break
    end
  end

  if args.viewport == "full" then
    splash:set_viewport_full()
  end
  splash:set_result_content_type("text/html; charset=utf-8")
  return splash:html()
end
