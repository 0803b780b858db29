/*
 * ProcessPrng for wine 8, as Debian 12 ships it: every Go >= 1.22 Windows
 * binary asks bcryptprimitives.dll for ProcessPrng at start, and wine 8's
 * has none, so the binary dies before main. This DLL stands in for it, on
 * top of RtlGenRandom (advapi32's SystemFunction036), for the tests that run
 * the Windows build under wine (scripts/windows-test.sh). It is never
 * shipped. Wine 9 has the export: drop this once CI's wine is 9 or later.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
