# A TAK client for bench/tak_stream.sh: logs in as russia, times the view of
# 10,000 drawings three times, then on the last connection declares 20
# activities over HTTP and times each from its POST to its answer and to its
# drawing on the TAK stream.
# Usage: python3 bench/tak_stream.py TAK_PORT HTTP_PORT TOKEN
import socket,sys,time,json,urllib.request,threading
tp,hp,tok=int(sys.argv[1]),int(sys.argv[2]),sys.argv[3]
for run in range(3):
    s=socket.create_connection(("127.0.0.1",tp))
    t0=time.time(); s.sendall(('<auth><cot username="russia" password="%s"/></auth>'%tok).encode())
    buf=b''; n=0
    while n<10000:
        d=s.recv(1<<20); buf+=d; n=buf.count(b'</event>')
    t1=time.time()
    print("run %d: view of %d drawings (%.1f MB) in %.3f s"%(run,n,len(buf)/1e6,t1-t0))
    if run==2:
        lat=[]
        for k in range(20):
            body=json.dumps({"type":"Feature","geometry":{"type":"Point","coordinates":[40,30+k*0.01]},"properties":{"id":"russia.live%d"%k,"kind":"patrol","radius_m":500,"start":"2030-09-02T00:00:00Z","end":"2030-09-03T00:00:00Z"}}).encode()
            req=urllib.request.Request("http://127.0.0.1:%d/v1/activities"%hp,data=body,headers={"Authorization":"Bearer "+tok,"Content-Type":"application/json"})
            t=time.time(); urllib.request.urlopen(req).read(); ta=time.time()
            want=('russia.live%d"'%k).encode(); b=b''
            while want not in b: b+=s.recv(1<<16)
            lat.append(((ta-t)*1000,(time.time()-t)*1000))
        lat.sort(key=lambda x:x[1])
        print("a declaration: median answered in %.2f ms, on the TAK map in %.2f ms; slowest on the map %.1f ms"
              % (lat[10][0], lat[10][1], lat[-1][1]))
    s.close()
