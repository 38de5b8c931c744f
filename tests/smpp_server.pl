#!/usr/bin/perl
# A small SMS centre (SMSC) for the tests, on Net::SMPP (Debian libnet-smpp-perl).
#
# An SMPP 3.4 server written with a different library from the desk's
# (smpplib, Python), so the tests check the desk against an independent
# implementation of the protocol. It:
#   - accepts bind_transmitter / bind_transceiver / bind_receiver, checking
#     system_id and password (0x0F Invalid System ID, 0x0E Invalid Password;
#     the connection is closed after a refusal);
#   - answers submit_sm with a message id "smsc-NNNNNN" (or 0x0B Invalid
#     Destination Address for numbers given with --reject-dest);
#   - answers enquire_link and unbind; anything else gets generic_nack;
#   - writes one JSON line per event to --out: {"event":"bind",...},
#     {"event":"part",...} per submit_sm (decoded text of the part), and
#     {"event":"message",...} once every part of a message has arrived
#     (concatenated by the UDH reference), with the decoded full text.
# UCS-2 (data_coding 8) is decoded as UTF-16BE; 0 and 3 as Latin-1.
#
# Usage: perl smpp_server.pl --port 0 --out FILE [--system-id ID]
#        [--password PW] [--reject-dest NUMBER]... [--silent-bind]
# Prints "READY <port>" on stdout once listening. Serves one connection at a
# time (the desk opens one short session per SMS).
use strict;
use warnings;
use Encode qw(decode);
use Getopt::Long;
use IO::Handle;
use JSON::PP;
use Net::SMPP;

my ($host, $port, $system_id, $password, $out, $silent_bind) =
    ('127.0.0.1', 0, 'hotline', 'secret', '', 0);
my @reject_dest;
GetOptions('host=s' => \$host, 'port=i' => \$port, 'system-id=s' => \$system_id,
           'password=s' => \$password, 'out=s' => \$out,
           'reject-dest=s' => \@reject_dest, 'silent-bind' => \$silent_bind)
    or die "bad options\n";
die "--out is required\n" unless $out;
my %reject = map { $_ => 1 } @reject_dest;

my $listen = Net::SMPP->new_listen($host, port => $port, smpp_version => 0x34,
                                   system_id => 'testsmsc')
    or die "cannot listen on $host:$port: $!\n";
open(my $fh, '>>', $out) or die "cannot write $out: $!\n";
$fh->autoflush(1);
my $json = JSON::PP->new->utf8->canonical;
$SIG{TERM} = sub { close $fh; exit 0 };
STDOUT->autoflush(1);
print "READY ", $listen->sockport, "\n";

my $msgno = 0;
my %pending;    # "dest/ref" => {total, parts => {seq => text}, ids => [...]}

sub record { print $fh $json->encode($_[0]), "\n" }

sub decode_text {
    my ($coding, $bytes) = @_;
    return decode('UTF-16BE', $bytes) if $coding == 8;
    return decode('ISO-8859-1', $bytes);
}

# Strip a UDH; return (ref, total, seq, rest) for a concatenated part.
sub split_udh {
    my ($sm) = @_;
    my $udhl = ord(substr($sm, 0, 1));
    my $udh = substr($sm, 1, $udhl);
    my $rest = substr($sm, 1 + $udhl);
    my ($ref, $total, $seq) = (0, 1, 1);
    my $i = 0;
    while ($i + 2 <= length $udh) {
        my ($iei, $len) = unpack 'CC', substr($udh, $i, 2);
        my $data = substr($udh, $i + 2, $len);
        if ($iei == 0x00 && $len == 3) { ($ref, $total, $seq) = unpack 'CCC', $data }
        elsif ($iei == 0x08 && $len == 4) { ($ref, $total, $seq) = unpack 'nCC', $data }
        $i += 2 + $len;
    }
    return ($ref, $total, $seq, $rest);
}

sub submit {
    my ($c, $pdu, $bound_as) = @_;
    my $dest = $pdu->{destination_addr};
    my $status = $reject{$dest} ? 0x0B : 0;
    my $id = '';
    if (!$status) { $id = sprintf('smsc-%06d', ++$msgno) }
    # Record first, answer last: once the client has its answer, the file has the line.
    my $sm = $pdu->{short_message};
    my ($ref, $total, $seq) = (0, 1, 1);
    ($ref, $total, $seq, $sm) = split_udh($sm) if ($pdu->{esm_class} & 0x40);
    my $text = decode_text($pdu->{data_coding}, $sm);
    record({event => 'part', system_id => $bound_as, source => $pdu->{source_addr},
            destination => $dest, data_coding => $pdu->{data_coding},
            esm_class => $pdu->{esm_class}, ref => $ref, total => $total, seq => $seq,
            text => $text, message_id => $id, status => $status});
    finish_part($dest, $ref, $total, $seq, $text, $id, $pdu, $bound_as) unless $status;
    $c->submit_sm_resp(seq => $pdu->{seq}, status => $status, message_id => $id);
}

sub finish_part {
    my ($dest, $ref, $total, $seq, $text, $id, $pdu, $bound_as) = @_;
    my $key = "$dest/$ref";
    my $p = $pending{$key} ||= {total => $total, parts => {}, ids => []};
    $p->{parts}{$seq} = $text;
    push @{$p->{ids}}, $id;
    if (scalar(keys %{$p->{parts}}) == $p->{total}) {
        my $full = join '', map { $p->{parts}{$_} } sort { $a <=> $b } keys %{$p->{parts}};
        record({event => 'message', system_id => $bound_as, source => $pdu->{source_addr},
                destination => $dest, data_coding => $pdu->{data_coding},
                parts => $p->{total}, text => $full, message_ids => $p->{ids}});
        delete $pending{$key};
    }
}

sub serve {
    my ($c) = @_;
    my $bound_as;
    while (my $pdu = $c->read_pdu) {
        my $cmd = $pdu->{cmd};
        if ($cmd == 0x00000001 || $cmd == 0x00000002 || $cmd == 0x00000009) {
            my $status = $pdu->{system_id} ne $system_id ? 0x0F
                       : $pdu->{password} ne $password ? 0x0E : 0;
            record({event => 'bind', system_id => $pdu->{system_id},
                    ok => ($status ? JSON::PP::false : JSON::PP::true), status => $status});
            next if $silent_bind;    # never answer: the client must time out
            my %resp = (seq => $pdu->{seq}, status => $status, system_id => 'testsmsc');
            if ($cmd == 0x00000001) { $c->bind_receiver_resp(%resp) }
            elsif ($cmd == 0x00000002) { $c->bind_transmitter_resp(%resp) }
            else { $c->bind_transceiver_resp(%resp) }
            return if $status;
            $bound_as = $pdu->{system_id};
        } elsif ($cmd == 0x00000004) {
            if (!defined $bound_as) {
                $c->submit_sm_resp(seq => $pdu->{seq}, status => 0x04, message_id => '');
                next;
            }
            submit($c, $pdu, $bound_as);
        } elsif ($cmd == 0x00000015) {
            $c->enquire_link_resp(seq => $pdu->{seq});
        } elsif ($cmd == 0x00000006) {
            record({event => 'unbind', system_id => $bound_as // ''});
            $c->unbind_resp(seq => $pdu->{seq});
            return;
        } else {
            $c->generic_nack(seq => $pdu->{seq}, status => 0x03);
        }
    }
}

while (1) {
    my $conn = $listen->accept or next;
    serve($conn);
    close $conn;
}
