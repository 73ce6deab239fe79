import re, sys, statistics as st
txt=open(sys.argv[1],errors='replace').read()
parts=re.split(r'\n(?=\S.*?LOG:\s+duration: )',txt)
def kind(p):
    m=re.search(r"Query Text: (.{0,200})",p,re.S)
    if not m: return None
    q=' '.join(m.group(1).split())
    if q.startswith('WITH moved AS'):
        sm=re.search(r"stage = '(\w+)'",p[:4000]); return 'moved:'+(sm.group(1) if sm else '?')
    return q[:40]
want=sys.argv[2] if len(sys.argv)>2 else 'moved:done'
sel=[p for p in parts if kind(p)==want]
print(want, len(sel), 'entries')
dur=[float(re.search(r'duration: ([\d.]+) ms',p).group(1)) for p in sel]
print('duration median %.2f p90 %.2f'%(st.median(dur), sorted(dur)[int(.9*len(dur))]))
ctes={}; trig={}; top=[]
for p in sel:
    lines=p.split('\n')
    for i,l in enumerate(lines):
        m=re.match(r'\t  CTE (\w+)$',l)
        if m and i+1<len(lines):
            t=re.search(r'actual time=[\d.]+\.\.([\d.]+) rows=\d+ loops=(\d+)',lines[i+1])
            if t: ctes.setdefault(m.group(1),[]).append(float(t.group(1)))
        m=re.match(r'\tTrigger (.+?): time=([\d.]+) calls=(\d+)',l)
        if m: trig.setdefault(m.group(1),[]).append((float(m.group(2)),int(m.group(3))))
        m=re.search(r'Planning Time|Execution Time',l)
    m=re.search(r'\n\t(\w[^\n]*?)\(cost=[^\n]*actual time=[\d.]+\.\.([\d.]+)',p)
    if m: top.append(float(m.group(2)))
print('top node median %.2f'%st.median(top) if top else 'no top')
for k,v in sorted(ctes.items(), key=lambda kv:-st.median(kv[1])):
    print('  CTE %-14s median %.3f p90 %.3f n=%d'%(k,st.median(v),sorted(v)[int(.9*len(v))],len(v)))
for k,v in sorted(trig.items(), key=lambda kv:-st.median([x[0] for x in kv[1]]))[:12]:
    print('  trigger %-60s median %.3f ms calls %s n=%d'%(k[:60],st.median([x[0] for x in v]),st.median([x[1] for x in v]),len(v)))
