-- unikvm-bench: a CPU-bound Lua script for the port figure (lua.uk against
-- lua.host). usage: lua cpu.lua N; prints the count of primes below N.
local n = tonumber(arg[1]) or 2000000
local sieve, count = {}, 0
for i = 2, n do
  if not sieve[i] then
    count = count + 1
    for j = i * i, n, i do sieve[j] = true end
  end
end
print(count)
