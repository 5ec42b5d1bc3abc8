/* Structs in global buffers (OpenCL layout): particles {float2 pos; float2 vel;
   int id; float mass} advanced one step; a typedef'd struct passed by pointer
   to a helper. */
typedef struct {
    float2 pos;
    float2 vel;
    int id;
    float mass;
} Particle;

static void advance(__global Particle *p, float dt) {
    p->pos += p->vel * dt;
    p->vel.y -= 9.75f * dt;
    p->id = p->id * 2 + 1;
}

__kernel void struct_particles(__global Particle *ps, __global float *energy, float dt, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    advance(&ps[i], dt);
    Particle q = ps[i];
    energy[i] = 0.5f * q.mass * (q.vel.x * q.vel.x + q.vel.y * q.vel.y);
}
