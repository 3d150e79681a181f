-- A small workout of the interpreter: tables, strings, closures, math,
-- string.format, sorting, coroutines, error handling, files when a
-- directory is given as arg[1].
local t = {}
for i = 1, 2000 do t[i] = (i * 7919) % 1009 end
table.sort(t)
local sum = 0
for _, v in ipairs(t) do sum = sum + v end
print("sum", sum, "min", t[1], "max", t[#t])
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib(20)", fib(20))
print(string.format("%5.3f %g %e %x %q", math.pi, 1e300 * 10, 12345.678, 255, "a\nb"))
print(("hello world"):upper(), ("abc"):rep(3, "-"), ("x=1, y=22"):gsub("%d+", "<%0>"))
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, "|"))
local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end end)
print(co(), co(), co())
print(pcall(function() error("boom") end))
print(math.floor(-3.5), math.ceil(-3.5), 7 // 2, 7 % -3, 2^10, math.maxinteger)
print(os.time{year=2020, month=1, day=1, hour=0})
print(os.date("!%Y-%m-%d %H:%M:%S", 1700000000))
print(tostring(nil), tostring(true), tonumber("0x10"), tonumber("1e2"))
local dir = arg[1]
if dir then
  local f = assert(io.open(dir .. "/lua-out.txt", "w"))
  for i = 1, 100 do f:write(i, " ", i * i, "\n") end
  f:close()
  local n, total = 0, 0
  for line in io.lines(dir .. "/lua-out.txt") do
    n = n + 1
    total = total + tonumber(line:match("(%d+)$"))
  end
  print("lines", n, "total", total)
  print(os.remove(dir .. "/lua-out.txt"))
  print(io.open(dir .. "/missing.txt"))
  print(os.rename(dir .. "/nothing", dir .. "/x"))
end
local input = io.read("a")
if input then print("stdin bytes", #input) end
os.exit(3)
