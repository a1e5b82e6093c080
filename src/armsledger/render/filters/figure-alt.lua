-- Pandoc's Typst writer drops an image's alt text (Pandoc 3.9 writes `image("x.png", width: 100%)`),
-- so a PDF reader's screen reader hears nothing for a chart. This writes the image call itself, with
-- `alt:` from the image's `alt` attribute (the notebook cell's fig-alt), else its caption text; Typst
-- puts it on the figure in the PDF's structure tree (/Alt), as Quarto's Typst output does.

local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', ' ') .. '"'
end

local function image_call(img)
  local alt = img.attributes.alt
  if alt == nil or alt == "" then alt = pandoc.utils.stringify(img.caption) end
  local args = { typst_string(img.src) }
  if alt ~= "" then table.insert(args, "alt: " .. typst_string(alt)) end
  local width = img.attributes.width
  -- A percentage or a length in a unit Pandoc and Typst share (the resolver gives charts inches).
  if width ~= nil and (width:match("^%d+%.?%d*%%$") or width:match("^%d+%.?%d*in$") or width:match("^%d+%.?%d*cm$")
      or width:match("^%d+%.?%d*mm$") or width:match("^%d+%.?%d*pt$")) then
    table.insert(args, "width: " .. width)
  end
  -- In a code block, so that a bracket or parenthesis after the image cannot continue the call.
  return pandoc.RawInline("typst", "#{image(" .. table.concat(args, ", ") .. ")}")
end

if FORMAT:match("typst") then
  return { { Image = image_call } }
end
return {}
