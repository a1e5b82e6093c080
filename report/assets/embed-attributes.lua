-- Quarto's `embed` wraps each embedded cell in divs that carry the executed notebook's absolute path
-- (data-notebook), its papermill run times (data-quarto-private-1) and cell bookkeeping. None of it is
-- for readers, the path names the build machine's folders and the times change on every build, so
-- they are dropped once Quarto is done with them (post-render).
--
-- In the PDF the outer div of each embedded cell would become a Typst `#block[...]` around the figure,
-- and a figure inside a block can float only within that block: the page under a figure that did not
-- fit stayed empty. So for Typst that div is unwrapped (the figures float, see report.typ).
local function dropped(key)
  key = key:gsub("^data%-", "")
  return key:match("^notebook") ~= nil or key:match("^quarto%-private") ~= nil
    or key == "tags" or key == "execution_count"
end

local function clean(el)
  if FORMAT:match("typst") and el.classes:includes("quarto-embed-nb-cell") then
    return el.content
  end
  local keys = {}
  for key, _ in pairs(el.attributes) do
    if dropped(key) then table.insert(keys, key) end
  end
  if #keys == 0 then return nil end
  for _, key in ipairs(keys) do el.attributes[key] = nil end
  return el
end

return { { Div = clean } }
