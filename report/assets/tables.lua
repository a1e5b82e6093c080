-- Tables on screen, for both renderers (the built-in one runs this with --lua-filter, Quarto at
-- post-render; report.css and report.scss style the result alike).
--
-- * Every table sits in its own scroll box, <div class="table-scroll">, which is focusable (a keyboard
--   scrolls it) and named after the table. Only that box ever scrolls sideways, never the page, and
--   the stylesheets shade the edge it scrolls towards: the cue that there is more.
-- * A table whose columns cannot fit across a phone, even with every column as narrow as its longest
--   word, is marked `table-cards`: below 40rem the stylesheets set each row as a card, one line per
--   column, labelled with the column's name (data-label on every cell), so nothing scrolls and the
--   certainty and sources of a row are read with it. Column order is the priority: the first column
--   comes first, and when it is filled in every row it is the row's key, set in bold (`table-keyed`).
-- * A caption Pandoc would write inside <table> (where it scrolled away with the table) goes above
--   the scroll box instead, as a <figcaption> of a <figure> that carries the table's id, as on
--   Quarto's page. Quarto has already moved its captions out of the table by post-render.

-- Characters of table type across a 390 px phone's 364 px column: in Chromium a table as narrow as
-- its longest words takes about 6.7 px a character, counting PADDING for each column.
local PHONE_CHARACTERS = 54
-- Padding of a cell, in characters (0.5rem on each side).
local PADDING = 2

local function longest_word(text)
  local longest = 0
  for word in text:gmatch("%S+") do
    -- a line may break after a hyphen followed by a letter (Unicode line breaking)
    for part in (word .. "-"):gsub("%-(%a)", "-\n%1"):gmatch("[^\n]+") do
      local n = utf8.len(part) or #part
      if n > longest then longest = n end
    end
  end
  return longest
end

local function narrowest(tbl, labels)
  local widths = {}
  for i, label in ipairs(labels) do widths[i] = longest_word(label) end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do
        local n = longest_word(pandoc.utils.stringify(cell.contents))
        if n > (widths[i] or 0) then widths[i] = n end
      end
    end
  end
  local total = 0
  for _, w in ipairs(widths) do total = total + w + PADDING end
  return total
end

local function column_names(tbl)
  local rows = tbl.head.rows
  local names = {}
  if #rows == 0 then return names end
  for i, cell in ipairs(rows[#rows].cells) do
    names[i] = pandoc.utils.stringify(cell.contents)
  end
  return names
end

local captions = 0

local function first_column_filled(tbl)
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local first = row.cells[1]
      if first == nil or pandoc.utils.stringify(first.contents) == "" then return false end
    end
  end
  return true
end

local function html_escape(text)
  return (text:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

-- The table in its scroll box, its cells labelled; a caption inside it moves above the box. `name`
-- names the box when the table has no caption of its own (Quarto's tables: "Table 3").
local function wrap(tbl, name)
  local names = column_names(tbl)
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do
        if names[i] and names[i] ~= "" then cell.attributes["data-label"] = names[i] end
      end
    end
  end
  local classes = { "table-scroll" }
  if #names > 1 and narrowest(tbl, names) > PHONE_CHARACTERS then
    table.insert(classes, "table-cards")
    if first_column_filled(tbl) then table.insert(classes, "table-keyed") end
  end

  local caption = tbl.caption.long or {}
  -- a list of pairs, not a Lua table: the attributes keep this order in the HTML on every build
  local attributes = { { "role", "region" }, { "tabindex", "0" } }
  if #caption == 0 then
    table.insert(attributes, { "aria-label", name or "Table" })
    return pandoc.Div({ tbl }, pandoc.Attr("", classes, attributes))
  end
  local id = tbl.identifier or ""
  captions = captions + 1
  local caption_id = (id ~= "" and id or ("table-" .. captions)) .. "-caption"
  table.insert(attributes, { "aria-labelledby", caption_id })
  tbl.caption = pandoc.Caption()
  tbl.identifier = ""
  local open = '<figure class="table-figure"' .. (id ~= "" and (' id="' .. html_escape(id) .. '"') or "") .. ">"
  local blocks = { pandoc.RawBlock("html", open),
                   pandoc.RawBlock("html", '<figcaption id="' .. html_escape(caption_id) .. '">') }
  for _, block in ipairs(caption) do table.insert(blocks, block) end
  table.insert(blocks, pandoc.RawBlock("html", "</figcaption>"))
  table.insert(blocks, pandoc.Div({ tbl }, pandoc.Attr("", classes, attributes)))
  table.insert(blocks, pandoc.RawBlock("html", "</figure>"))
  return blocks
end

local floats = 0

if not FORMAT:match("html") then return {} end
return { {
  traverse = "topdown",
  -- Quarto's table floats (div#tbl-…), numbered in order as Quarto numbers them
  Div = function(div)
    if not div.identifier:match("^tbl%-") then return nil end
    floats = floats + 1
    local name = "Table " .. floats
    return div:walk({ Table = function(tbl) return wrap(tbl, name) end }), false
  end,
  Table = function(tbl) return wrap(tbl, nil), false end,
} }
