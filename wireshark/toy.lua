-- SPDX-License-Identifier: GPL-2.0
--
-- Wireshark/tshark dissector for the Toy Stream Protocol (AF_TOY), IP
-- protocol 253 (docs/protocol.md, sections 3 to 5):
--
--   tshark -X lua_script:wireshark/toy.lua -r capture.pcap
--   wireshark -X lua_script:wireshark/toy.lua
--
-- or copy it to ~/.local/lib/wireshark/plugins/. Every header field, the
-- flags, the SACK blocks, the checksum checked over the IPv4 pseudo-header
-- (and told apart from a checksum left to the device, which a capture on
-- loopback or veth shows), relative sequence numbers per connection, and
-- the payload. Display filters: toy, toy.port, toy.seq, toy.flags.syn,
-- toy.sack.start, toy.checksum.status, ...

local toy = Proto("toy", "Toy Stream Protocol")

local flag_names = {
	{ 0x01, "FIN" }, { 0x02, "SYN" }, { 0x04, "RST" }, { 0x10, "ACK" },
	{ 0x20, "SACKOK" },
}

local f = {
	srcport = ProtoField.uint16("toy.srcport", "Source Port", base.DEC),
	dstport = ProtoField.uint16("toy.dstport", "Destination Port", base.DEC),
	port = ProtoField.uint16("toy.port", "Source or Destination Port", base.DEC),
	seq = ProtoField.uint32("toy.seq", "Sequence Number", base.DEC),
	seq_rel = ProtoField.uint32("toy.seq_rel", "Sequence Number (relative)", base.DEC),
	ack = ProtoField.uint32("toy.ack", "Acknowledgment Number", base.DEC),
	ack_rel = ProtoField.uint32("toy.ack_rel", "Acknowledgment Number (relative)", base.DEC),
	window = ProtoField.uint32("toy.window", "Window", base.DEC),
	len = ProtoField.uint16("toy.len", "Payload Length", base.DEC),
	flags = ProtoField.uint8("toy.flags", "Flags", base.HEX),
	fin = ProtoField.bool("toy.flags.fin", "FIN", 8, nil, 0x01),
	syn = ProtoField.bool("toy.flags.syn", "SYN", 8, nil, 0x02),
	rst = ProtoField.bool("toy.flags.rst", "RST", 8, nil, 0x04),
	fack = ProtoField.bool("toy.flags.ack", "ACK", 8, nil, 0x10),
	sackok = ProtoField.bool("toy.flags.sackok", "SACKOK", 8, nil, 0x20),
	fres = ProtoField.uint8("toy.flags.reserved", "Reserved flags", base.HEX, nil, 0xc8),
	doff = ProtoField.uint8("toy.doff", "Header Length (words)", base.DEC),
	hdrlen = ProtoField.uint8("toy.hdr_len", "Header Length (bytes)", base.DEC),
	checksum = ProtoField.uint16("toy.checksum", "Checksum", base.HEX),
	cstatus = ProtoField.string("toy.checksum.status", "Checksum Status"),
	reserved = ProtoField.uint16("toy.reserved", "Reserved", base.HEX),
	sack = ProtoField.none("toy.sack", "SACK block"),
	sack_start = ProtoField.uint32("toy.sack.start", "Start", base.DEC),
	sack_end = ProtoField.uint32("toy.sack.end", "End", base.DEC),
	payload = ProtoField.bytes("toy.payload", "Payload"),
}
toy.fields = f

local e_csum = ProtoExpert.new("toy.checksum.bad", "Bad checksum",
	expert.group.CHECKSUM, expert.severity.ERROR)
local e_malformed = ProtoExpert.new("toy.malformed", "Malformed segment",
	expert.group.MALFORMED, expert.severity.ERROR)
toy.experts = { e_csum, e_malformed }

toy.prefs.ipproto = Pref.uint("IP protocol number", 253,
	"The module's ipproto parameter")

local ip_src = Field.new("ip.src")
local ip_dst = Field.new("ip.dst")
local ipv6_src = Field.new("ipv6.src")
local ipv6_dst = Field.new("ipv6.dst")

-- Ones' complement sum of a byte range, as 16-bit words (RFC 1071). The
-- bytes come out as one Lua string and are read eight at a time: a TvbRange
-- per word costs ~20x more, which a capture of a bulk transfer notices.
local function sum16(tvb, off, len, acc)
	local s = tvb:raw(off, len)
	local byte = string.byte
	local i = 1
	while i + 7 <= len do
		local a, b, c, d, e, f, g, h = byte(s, i, i + 7)
		acc = acc + (a + c + e + g) * 256 + b + d + f + h
		i = i + 8
	end
	while i + 1 <= len do
		local a, b = byte(s, i, i + 1)
		acc = acc + a * 256 + b
		i = i + 2
	end
	if i <= len then
		acc = acc + byte(s, i) * 256
	end
	return acc
end

-- Wireshark 4.0 runs Lua 5.2: bit32, not the 5.3 operators.
local band, bnot, rshift = bit32.band, bit32.bnot, bit32.rshift

local function fold(s)
	while s > 0xffff do
		s = band(s, 0xffff) + rshift(s, 16)
	end
	return s
end

local function rel(v, base)
	return band(v - base, 0xffffffff)
end

-- The innermost instance of a field (an ICMP error quotes a second header).
local function last(field)
	local all = { field() }
	return all[#all]
end

-- The addresses the segment came with: IPv4's, or IPv6's when the
-- innermost network layer is IPv6 (the pinfo addresses say which).
local function addrs(pinfo)
	if pinfo.net_src and tostring(pinfo.net_src):find(":", 1, true) then
		return last(ipv6_src), last(ipv6_dst)
	end
	return last(ip_src), last(ip_dst)
end

-- An address's 16-bit words, summed: the pseudo-header's share of it
-- (the same sum for IPv4's 4 bytes and IPv6's 16).
local function addr_sum(fi)
	return sum16(fi.range, 0, fi.range:len(), 0)
end

-- The ISN of each direction, by "src:port>dst:port" (first pass only).
local isn = {}

local function flags_text(v)
	local t = {}
	for _, fl in ipairs(flag_names) do
		if band(v, fl[1]) ~= 0 then
			t[#t + 1] = fl[2]
		end
	end
	return #t > 0 and table.concat(t, "|") or "(none)"
end

function toy.dissector(tvb, pinfo, tree)
	local seglen = tvb:len()
	pinfo.cols.protocol = "TOY"
	local t = tree:add(toy, tvb(), "Toy Stream Protocol")
	if seglen < 24 then
		t:add_proto_expert_info(e_malformed, "shorter than the 24-byte header")
		pinfo.cols.info = "Toy [truncated]"
		return
	end

	local sport, dport = tvb(0, 2):uint(), tvb(2, 2):uint()
	local seq, ack = tvb(4, 4):uint(), tvb(8, 4):uint()
	local window, len = tvb(12, 4):uint(), tvb(16, 2):uint()
	local flags, doff = tvb(18, 1):uint(), tvb(19, 1):uint()
	local check = tvb(20, 2):uint()
	local hlen = doff * 4

	t:add(f.srcport, tvb(0, 2))
	t:add(f.dstport, tvb(2, 2))
	t:add(f.port, tvb(0, 2)):set_hidden()
	t:add(f.port, tvb(2, 2)):set_hidden()
	pinfo.src_port, pinfo.dst_port = sport, dport
	t:append_text(string.format(", Src Port: %d, Dst Port: %d", sport, dport))

	-- relative numbers: from each side's SYN, as Wireshark shows TCP's
	local a_src, a_dst = addrs(pinfo)
	local src = tostring(a_src) .. ":" .. sport
	local dst = tostring(a_dst) .. ":" .. dport
	local key, rkey = src .. ">" .. dst, dst .. ">" .. src
	-- the sum first: a SYN that fails it sets no ISN. The pseudo-header is
	-- IPv4's (RFC 9293 3.1) or IPv6's (RFC 8200 8.1): the same words, as
	-- the length fits in 16 bits.
	local pseudo = addr_sum(a_src) + addr_sum(a_dst) +
		toy.prefs.ipproto + seglen
	local status = "Bad"
	if fold(sum16(tvb, 0, seglen, pseudo)) == 0xffff then
		status = "Good"
	elseif check == fold(pseudo) then
		status = "Partial"
	end
	if not pinfo.visited and band(flags, 0x02) ~= 0 and status ~= "Bad" then
		isn[key] = seq
	end
	t:add(f.seq, tvb(4, 4))
	if isn[key] then
		t:add(f.seq_rel, tvb(4, 4), rel(seq, isn[key])):set_generated()
	end
	t:add(f.ack, tvb(8, 4))
	if isn[rkey] and band(flags, 0x10) ~= 0 then
		t:add(f.ack_rel, tvb(8, 4), rel(ack, isn[rkey])):set_generated()
	end
	t:add(f.window, tvb(12, 4))
	t:add(f.len, tvb(16, 2))

	local ft = t:add(f.flags, tvb(18, 1))
	ft:append_text(" (" .. flags_text(flags) .. ")")
	ft:add(f.fin, tvb(18, 1))
	ft:add(f.syn, tvb(18, 1))
	ft:add(f.rst, tvb(18, 1))
	ft:add(f.fack, tvb(18, 1))
	ft:add(f.sackok, tvb(18, 1))
	ft:add(f.fres, tvb(18, 1))

	t:add(f.doff, tvb(19, 1))
	t:add(f.hdrlen, tvb(19, 1), hlen):set_generated()

	-- section 4's length rules decide whether the rest can be read
	local bad
	if doff < 6 or (doff - 6) % 2 ~= 0 or doff > 14 then
		bad = "doff must be 6, or 6 plus 2 per SACK block (at most 4)"
	elseif hlen + len ~= seglen then
		bad = string.format("4 * doff + len = %d, the segment is %d bytes",
			hlen + len, seglen)
	end

	local ct = t:add(f.checksum, tvb(20, 2))
	if status == "Good" then
		ct:append_text(" [correct]")
	elseif status == "Partial" then
		ct:append_text(" [pseudo-header sum only: left to the device]")
	else
		local want = band(bnot(fold(sum16(tvb, 0, 20, pseudo) +
			sum16(tvb, 22, seglen - 22, 0))), 0xffff)
		ct:append_text(string.format(" [incorrect, should be 0x%04x]", want))
		ct:add_proto_expert_info(e_csum)
	end
	t:add(f.cstatus, status):set_generated()
	t:add(f.reserved, tvb(22, 2))

	local nsack = 0
	if not bad then
		nsack = (doff - 6) / 2
		for i = 0, nsack - 1 do
			local o = 24 + i * 8
			local st = t:add(f.sack, tvb(o, 8))
			local s, e = tvb(o, 4):uint(), tvb(o + 4, 4):uint()
			st:add(f.sack_start, tvb(o, 4))
			st:add(f.sack_end, tvb(o + 4, 4))
			if isn[rkey] then
				st:append_text(string.format(": %d-%d (relative)",
					rel(s, isn[rkey]), rel(e, isn[rkey])))
			else
				st:append_text(string.format(": %d-%d", s, e))
			end
		end
		if len > 0 then
			t:add(f.payload, tvb(hlen, len))
		end
	else
		t:add_proto_expert_info(e_malformed, bad)
	end

	local info = string.format("%d > %d [%s] Seq=%d", sport, dport,
		flags_text(flags), isn[key] and rel(seq, isn[key]) or seq)
	if band(flags, 0x10) ~= 0 then
		info = info .. string.format(" Ack=%d",
			isn[rkey] and rel(ack, isn[rkey]) or ack)
	end
	info = info .. string.format(" Win=%d Len=%d", window, len)
	if nsack > 0 then
		info = info .. string.format(" SACK blocks=%d", nsack)
	end
	if status == "Bad" then
		info = info .. " [BAD CHECKSUM]"
	end
	pinfo.cols.info = info
end

local registered
local function register()
	local ipt = DissectorTable.get("ip.proto")
	if registered then
		ipt:remove(registered, toy)
	end
	registered = toy.prefs.ipproto
	ipt:add(registered, toy)
end

function toy.prefs_changed()
	register()
end

register()
